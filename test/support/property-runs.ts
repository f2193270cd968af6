/**
 * Runs per property: at least 1,000 in `pnpm test`; `pnpm bench:property` raises it (the heavy
 * variant) through KEYAUDIT_PROPERTY_RUNS, never below the floor.
 */
const FLOOR = 1_000;
const requested = Number(process.env['KEYAUDIT_PROPERTY_RUNS'] ?? FLOOR);

export const PROPERTY_RUNS = Number.isSafeInteger(requested) && requested > FLOOR ? requested : FLOOR;
