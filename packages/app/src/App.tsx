import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import aiGatewayPlugin from '@kagenti/backstage-plugin-ai-gateway/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';

// `app.packages: all` also discovers the AI Gateway plugin from its `/alpha`
// export; listing it here keeps it in the app when discovery is off (tests,
// or a narrowed `app.packages`). Plugins are de-duplicated by id.
export default createApp({
  features: [catalogPlugin, aiGatewayPlugin, navModule, homeModule],
});
