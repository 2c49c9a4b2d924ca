import { MemoryStorage } from '../../src/storage/memory.js';
import { storageConformance } from '../conformance/storage.js';

storageConformance('memory', async () => new MemoryStorage());
