import type { Express } from 'express';
import type { PlatformEmulator } from './platform-emulator.js';

/** Dynamic Registration 1.0 platform side of the emulator. */
export function mountRegistration(_app: Express, _emu: PlatformEmulator): void {}
