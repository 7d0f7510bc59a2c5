/** Where an operator opens a run: its page in the console, and its page in the Temporal UI. */
import type { RunLinkSettings } from './config';

/** The console's page for a run (the latest run of the workflow id, so a continued run still resolves). */
export function consoleRunPath(workflowId: string): string {
  return `/runs/${encodeURIComponent(workflowId)}`;
}

export function consoleRunUrl(links: RunLinkSettings, workflowId: string): string | undefined {
  return links.consoleUrl ? `${links.consoleUrl}${consoleRunPath(workflowId)}` : undefined;
}

/** The Temporal UI's page for a run; without a run id, the UI shows the latest run of the workflow id. */
export function temporalUiRunUrl(links: RunLinkSettings, namespace: string, workflowId: string, runId?: string): string | undefined {
  if (!links.temporalUiUrl) return undefined;
  const run = runId ? `/${encodeURIComponent(runId)}` : '';
  return `${links.temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}${run}/history`;
}
