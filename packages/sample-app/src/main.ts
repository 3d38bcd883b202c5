import { runMain } from '@mesh/runtime';
import { sampleAppSettings } from './config.js';
import type { AppContext } from './handlers.js';
import { SampleAppServer } from './server.js';

void runMain({
  bin: 'mesh-sample-app',
  summary: 'one service of the sample online-order app (booking, inventory, shipping)',
  specs: sampleAppSettings,
  async start(settings, logger) {
    const ctx: AppContext = {
      service: settings.service as AppContext['service'],
      version: settings.version,
      egressProxy: new URL(settings.egressProxy),
      upstreamTimeoutMs: settings.upstreamTimeoutMs,
    };
    const server = new SampleAppServer(ctx, logger.child({ component: 'app' }));
    const port = await server.listen(settings.host, settings.port);
    logger.info({ port, service: `${ctx.service}-service`, version: ctx.version }, 'sample app listening');
    return { stop: () => server.close() };
  },
});
