import type { AdminServer } from '@mesh/runtime';
import type { ReportLedger } from '../report/report-ledger.js';

/** Adds Mixer's debug endpoints to the admin server (before it starts). */
export function registerDebugRoutes(app: AdminServer['app'], ledger: ReportLedger): void {
  /** What Report has received so far: totals and per destination service counts. */
  app.get('/debug/reports', async () => ledger.snapshot());
}
