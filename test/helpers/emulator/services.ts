import type { Express } from 'express';
import type { PlatformEmulator } from './platform-emulator.js';

/** Token endpoint, NRPS and AGS of the emulator. */
export function mountServices(_app: Express, _emu: PlatformEmulator): void {}
