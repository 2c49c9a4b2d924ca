/**
 * Resumes a stored study in a process of its own and asks and tells it up to a number of trials, as a user who
 * stopped a study and runs it again does. argv: storage URL, study name, sampler name, sampler options (JSON), total, fixture name.
 */
import { createSampler } from '../../src/samplers/registry.js';
import { openStorage } from '../../src/storage/open.js';
import { createStudy } from '../../src/study/study.js';
import { askTell, type FixtureName, fixtures } from './sampler-study.js';

const [url, name, sampler, options, total, fixture] = process.argv.slice(2);
const storage = await openStorage(url);
try {
  const study = await createStudy({ name, storage, resume: true, sampler: createSampler(sampler, JSON.parse(options)) });
  // The study gives a process joining it a random stream of its own (it may run beside the first); here it is the
  // study's only process, as the one that never stopped: it draws from the seed's stream as that one does.
  study.stream = '';
  await askTell(study, Number(total), fixtures[fixture as FixtureName].objective);
} finally {
  await storage.close();
}
