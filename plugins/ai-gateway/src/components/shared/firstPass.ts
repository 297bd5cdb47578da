import type { AiGatewayApi } from '../../api';

/**
 * Whether the backend's first reconcile pass since it started is still running (its
 * `GET /health` answers `lastPass: null`): until then it knows no Gateway, admission or policy
 * status, and an empty answer means "not yet", not "none". Asked only when a view's answer is
 * empty, in the same request cycle, so the view changes once, from the old value to the new
 * one. A health that cannot be read counts as "not running": the views then say what they
 * always said.
 */
export async function isFirstPassRunning(api: AiGatewayApi): Promise<boolean> {
  try {
    return (await api.getHealth()).lastPass === null;
  } catch {
    return false;
  }
}
