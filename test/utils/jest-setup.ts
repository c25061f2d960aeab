import { Logger } from '@nestjs/common';

// Nest's console logger would print every migration and start-up line of every app the suites
// start (over a thousand lines a run). Tests that care about logs capture pino's JSON output
// themselves; TEST_LOG=1 brings the console back when debugging.
if (!process.env.TEST_LOG) Logger.overrideLogger(false);
