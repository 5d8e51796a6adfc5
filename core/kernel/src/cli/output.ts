import type { PluginReport } from '../plugins/register.js';

/** A plain column table; plugin lists are short and read by people and by grep. */
export function pluginTable(reports: readonly PluginReport[]): string {
  const rows = reports.map((r) => [r.id, r.version, r.source, r.status, r.contributes.join(', ') || '-', r.error ?? '']);
  const header = ['ID', 'VERSION', 'SOURCE', 'STATUS', 'CONTRIBUTES', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
