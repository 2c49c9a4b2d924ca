import { random } from '../src/samplers/random.js';
import { samplerConformance } from './conformance/sampler.js';

samplerConformance('random', () => random());
