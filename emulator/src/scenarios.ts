/**
 * The user scenarios the generator plants. Each draws ages from ranges chosen so that the
 * findings it declares hold for every draw (e.g. "due soon" is 80-89 days old and used within
 * 44 days): the declared findings are the expectation, never a call to the product's policy.
 */
import type { Random } from './random';
import type { KeySpec, PlantedFindingType } from './state/spec';

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
