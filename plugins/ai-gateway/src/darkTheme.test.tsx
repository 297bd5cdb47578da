import { themes, UnifiedThemeProvider } from '@backstage/theme';
import { screen } from '@testing-library/react';
import { AgentAccessView } from './components/AgentAccess';
import { GatewaysView } from './components/GatewayPage';
import { PolicyStatusView } from './components/PolicyStatus';
import {
  accessStatus,
  agentAccess,
  gateway,
  routingStatus,
} from './__testUtils__/fixtures';
import { render } from './__testUtils__/render';

// Every colour comes from the theme palette, so the views render under the
// dark theme exactly as under the light one.
describe('dark theme', () => {
  const dark = (element: JSX.Element) =>
    render(
      <UnifiedThemeProvider theme={themes.dark}>
        {element}
      </UnifiedThemeProvider>,
    );

  it('renders the agent view', async () => {
    await dark(<AgentAccessView access={{ ...agentAccess, local: true }} />);
    expect(
      await screen.findByRole('region', { name: 'Model access' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('status', { name: 'Local development cluster' }),
    ).toBeInTheDocument();
  });

  it('renders both policy views', async () => {
    await dark(
      <>
        <PolicyStatusView status={routingStatus} />
        <PolicyStatusView status={accessStatus} />
      </>,
    );
    expect(
      await screen.findByRole('region', { name: 'Providers' }),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Trust bundle')).toBeInTheDocument();
  });

  it('renders the gateways view', async () => {
    await dark(<GatewaysView gateways={[gateway]} />);
    expect(
      await screen.findByRole('region', { name: 'Gateways' }),
    ).toBeInTheDocument();
  });
});
