import { Content, Header, Page } from '@backstage/core-components';
import { GatewaysOverview } from './GatewaysOverview';

/** The standalone AI Gateway page of the legacy frontend system. */
export function AiGatewayPage() {
  return (
    <Page themeId="tool">
      <Header
        title="AI Gateway"
        subtitle="Gateways, their policies and health across clusters"
      />
      <Content>
        <GatewaysOverview />
      </Content>
    </Page>
  );
}
