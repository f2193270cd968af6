/**
 * The user scenarios the generator plants. Each draws ages from ranges chosen so that the
 * findings it declares hold for every draw (e.g. "due soon" is 80-89 days old and used within
 * 44 days): the declared findings are the expectation, never a call to the product's policy.
 * They hold for the documented thresholds (docs/architecture.md, "Findings"); the generator
 * gives each key its time of day (late in the evening at a threshold's edge).
 */
import type { Random } from './random';
import type { KeySpec, PlantedFindingType } from './state/spec';
import { DOCUMENTED_THRESHOLDS } from './state/thresholds';

type Planted = Omit<KeySpec, 'lastUsedService' | 'lastUsedRegion'> & { expect: PlantedFindingType[] };

const SERVICES = ['s3', 'ec2', 'dynamodb', 'sts', 'lambda', 'sqs', 'iam', 'secretsmanager'];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];

function key(r: Random, planted: Planted): KeySpec {
  return { ...planted, lastUsedService: r.pick(SERVICES), lastUsedRegion: r.pick(REGIONS) };
}

/** Used within the last 44 days (never before the key existed). */
function recentUse(r: Random, age: number): number {
  return r.int(0, Math.min(age, 44));
}

/** Keys on either side of each documented threshold, each with the findings it must give. */
const THRESHOLD_EDGES: readonly ((r: Random) => Planted)[] = [
  // rotationDueSoonDays 80: the day before, and the first day.
  (r) => ({ ageDays: 79, lastUsedDaysAgo: recentUse(r, 79), status: 'Active', expect: [] }),
  (r) => ({
    ageDays: 80,
    lastUsedDaysAgo: recentUse(r, 80),
    status: 'Active',
    expect: ['ROTATION_DUE_SOON'],
  }),
  // rotationOverdueDays 90 (day 90 itself is the reminder-day-90 scenario): the day before, the day after.
  (r) => ({
    ageDays: 89,
    lastUsedDaysAgo: recentUse(r, 89),
    status: 'Active',
    expect: ['ROTATION_DUE_SOON'],
  }),
  (r) => ({ ageDays: 91, lastUsedDaysAgo: recentUse(r, 91), status: 'Active', expect: ['ROTATION_OVERDUE'] }),
  // rotationCriticalDays 365: high the day before, critical from that day.
  (r) => ({
    ageDays: 364,
    lastUsedDaysAgo: recentUse(r, 364),
    status: 'Active',
    expect: ['ROTATION_OVERDUE'],
  }),
  (r) => ({
    ageDays: 365,
    lastUsedDaysAgo: recentUse(r, 365),
    status: 'Active',
    expect: ['ROTATION_OVERDUE'],
  }),
  // neverUsedGraceDays 7: never used for 7 days is fine, 8 is not.
  () => ({ ageDays: 7, lastUsedDaysAgo: null, status: 'Active', expect: [] }),
  () => ({ ageDays: 8, lastUsedDaysAgo: null, status: 'Active', expect: ['NEVER_USED'] }),
  // inactiveLingeringDays 30: inactive for 30 days is fine, 31 is not.
  () => ({ ageDays: 30, lastUsedDaysAgo: null, status: 'Inactive', expect: [] }),
  (r) => ({
    ageDays: 31,
    lastUsedDaysAgo: r.int(0, 31),
    status: 'Inactive',
    expect: ['INACTIVE_KEY_LINGERING'],
  }),
  // unusedDays 45: last used 44 days ago is fine, 45 is not.
  (r) => ({ ageDays: r.int(50, 79), lastUsedDaysAgo: 44, status: 'Active', expect: [] }),
  (r) => ({ ageDays: r.int(50, 79), lastUsedDaysAgo: 45, status: 'Active', expect: ['UNUSED'] }),
];

/** The day counts on either side of a documented threshold, and the thresholds themselves. */
const AGE_EDGES = new Set(
  [
    DOCUMENTED_THRESHOLDS.rotationDueSoonDays,
    DOCUMENTED_THRESHOLDS.rotationOverdueDays,
    DOCUMENTED_THRESHOLDS.rotationCriticalDays,
    ...DOCUMENTED_THRESHOLDS.reminderDays,
    DOCUMENTED_THRESHOLDS.neverUsedGraceDays,
    DOCUMENTED_THRESHOLDS.inactiveLingeringDays,
  ].flatMap((t) => [t - 1, t, t + 1]),
);
const USE_EDGES = new Set([-1, 0, 1].map((d) => DOCUMENTED_THRESHOLDS.unusedDays + d));

/** Whether a key's age (or its days since last use) sits at a threshold's edge. */
export function atThresholdEdge(key: Pick<KeySpec, 'ageDays' | 'lastUsedDaysAgo'>): {
  readonly created: boolean;
  readonly lastUsed: boolean;
} {
  return {
    created: AGE_EDGES.has(key.ageDays),
    lastUsed: key.lastUsedDaysAgo !== null && USE_EDGES.has(key.lastUsedDaysAgo),
  };
}

export interface Scenario {
  readonly name: string;
  readonly weight: number;
  readonly plant: (r: Random) => KeySpec[];
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'no-keys', weight: 8, plant: () => [] },
  {
    name: 'healthy',
    weight: 30,
    plant: (r) => {
      const age = r.int(0, 79);
      return [key(r, { ageDays: age, lastUsedDaysAgo: recentUse(r, age), status: 'Active', expect: [] })];
    },
  },
  {
    name: 'fresh-never-used',
    weight: 4,
    plant: (r) => [key(r, { ageDays: r.int(0, 7), lastUsedDaysAgo: null, status: 'Active', expect: [] })],
  },
  {
    name: 'due-soon',
    weight: 8,
    plant: (r) => {
      const age = r.int(80, 89);
      return [
        key(r, {
          ageDays: age,
          lastUsedDaysAgo: recentUse(r, age),
          status: 'Active',
          expect: ['ROTATION_DUE_SOON'],
        }),
      ];
    },
  },
  {
    name: 'reminder-day-90',
    weight: 4,
    plant: (r) => [
      key(r, {
        ageDays: 90,
        lastUsedDaysAgo: recentUse(r, 90),
        status: 'Active',
        expect: ['ROTATION_OVERDUE', 'REMINDER_DAY'],
      }),
    ],
  },
  {
    name: 'overdue',
    weight: 10,
    plant: (r) => {
      const age = r.int(91, 364);
      return [
        key(r, {
          ageDays: age,
          lastUsedDaysAgo: recentUse(r, age),
          status: 'Active',
          expect: ['ROTATION_OVERDUE'],
        }),
      ];
    },
  },
  {
    name: 'years-old',
    weight: 4,
    plant: (r) => {
      const age = r.int(365, 2200);
      return [
        key(r, {
          ageDays: age,
          lastUsedDaysAgo: recentUse(r, age),
          status: 'Active',
          expect: ['ROTATION_OVERDUE'],
        }),
      ];
    },
  },
  {
    name: 'unused',
    weight: 5,
    plant: (r) => {
      const age = r.int(45, 79);
      return [
        key(r, { ageDays: age, lastUsedDaysAgo: r.int(45, age), status: 'Active', expect: ['UNUSED'] }),
      ];
    },
  },
  {
    name: 'never-used',
    weight: 5,
    plant: (r) => [
      key(r, { ageDays: r.int(8, 79), lastUsedDaysAgo: null, status: 'Active', expect: ['NEVER_USED'] }),
    ],
  },
  {
    name: 'overdue-and-unused',
    weight: 4,
    plant: (r) => {
      const age = r.int(120, 700);
      return [
        key(r, {
          ageDays: age,
          lastUsedDaysAgo: r.int(45, age),
          status: 'Active',
          expect: ['ROTATION_OVERDUE', 'UNUSED'],
        }),
      ];
    },
  },
  {
    name: 'two-active-keys',
    weight: 5,
    plant: (r) => {
      const old = r.int(100, 300);
      const fresh = r.int(1, 30);
      return [
        key(r, {
          ageDays: old,
          lastUsedDaysAgo: recentUse(r, old),
          status: 'Active',
          expect: ['ROTATION_OVERDUE', 'TWO_ACTIVE_KEYS'],
        }),
        key(r, { ageDays: fresh, lastUsedDaysAgo: recentUse(r, fresh), status: 'Active', expect: [] }),
      ];
    },
  },
  {
    name: 'inactive-lingering',
    weight: 4,
    plant: (r) => {
      const age = r.int(31, 400);
      return [
        key(r, {
          ageDays: age,
          lastUsedDaysAgo: r.int(30, age),
          status: 'Inactive',
          expect: ['INACTIVE_KEY_LINGERING'],
        }),
      ];
    },
  },
  {
    name: 'inactive-recent',
    weight: 2,
    plant: (r) => [key(r, { ageDays: r.int(0, 30), lastUsedDaysAgo: null, status: 'Inactive', expect: [] })],
  },
  {
    // One key on a threshold's first day or the day before it (docs/architecture.md, "Findings"),
    // planted late in the day (see plantTimes): its calendar-day age is what decides.
    name: 'threshold-edge',
    weight: 12,
    plant: (r) => [key(r, r.pick(THRESHOLD_EDGES)(r))],
  },
  {
    name: 'rotated-old-key-left-inactive',
    weight: 4,
    plant: (r) => {
      const fresh = r.int(1, 20);
      return [
        key(r, {
          ageDays: r.int(95, 200),
          lastUsedDaysAgo: r.int(25, 94),
          status: 'Inactive',
          expect: ['INACTIVE_KEY_LINGERING'],
        }),
        key(r, { ageDays: fresh, lastUsedDaysAgo: recentUse(r, fresh), status: 'Active', expect: [] }),
      ];
    },
  },
];

const TOTAL_WEIGHT = SCENARIOS.reduce((sum, s) => sum + s.weight, 0);

export function pickScenario(r: Random): Scenario {
  let roll = r.next() * TOTAL_WEIGHT;
  for (const scenario of SCENARIOS) {
    roll -= scenario.weight;
    if (roll < 0) return scenario;
  }
  return SCENARIOS[SCENARIOS.length - 1] as Scenario;
}

/** A root access key: the finding is ROOT_ACCESS_KEY whatever its age or use. */
export function rootKey(r: Random): KeySpec {
  const age = r.int(200, 2500);
  return key(r, {
    ageDays: age,
    lastUsedDaysAgo: r.chance(0.5) ? null : r.int(0, age),
    status: 'Active',
    expect: ['ROOT_ACCESS_KEY'],
  });
}
