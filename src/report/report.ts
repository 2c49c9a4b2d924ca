import { StudyError } from '../errors.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { reportData, type ReportData } from './data.js';
import { pageHtml } from './html.js';

/** The report's data for the study `name` in `storage`; throws a StudyError naming the studies there if it is missing. */
export async function loadReportData(storage: Storage, name: string, now = Date.now()): Promise<ReportData> {
  const study = await findStudy(storage, name);
  return reportData(study, await storage.trials(study.id), now);
}

export async function findStudy(storage: Storage, name: string): Promise<StudyRecord> {
  const study = await storage.getStudy(name);
  if (study) return study;
  const names = (await storage.listStudies()).map((s) => s.name);
  const known = names.length ? `; studies there: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}` : '; it holds no study';
  throw new StudyError(`no study ${JSON.stringify(name)}${known}`);
}

/** One self-contained HTML file (ECharts inlined, data embedded) that opens from disk without a network. */
export function reportHtml(data: ReportData): string {
  return pageHtml('report', `parzen report: ${data.study.name}`, data);
}
