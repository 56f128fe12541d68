import { resolve } from 'node:path';

// DESK_REPORT_DIR: the xtask/CI collects a JSON report per suite there, beside the
// normal console output. A relative path is taken from where npm was invoked
// (INIT_CWD), not from ui/, which is where `npm run` puts us.
const reportDir = process.env.DESK_REPORT_DIR
  ? resolve(process.env.INIT_CWD ?? process.cwd(), process.env.DESK_REPORT_DIR)
  : undefined;

export function reporters(): string[] {
  return reportDir ? ['default', 'json'] : ['default'];
}

export function reportFile(name: string): Record<string, string> | undefined {
  return reportDir ? { json: resolve(reportDir, name) } : undefined;
}
