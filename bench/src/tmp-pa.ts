import { type Approach, measureApproach } from './per-account';

const approach = (process.argv[2] ?? 'credential-report') as Approach;
const users = Number(process.argv[3] ?? 10000);
const n = Number(process.argv[4] ?? 3);
for (let i = 0; i < n; i++) {
  const r = await measureApproach(approach, users);
  console.log(
    JSON.stringify({
      approach,
      users,
      wall: Math.round(r.wallMs),
      calls: r.totalCalls,
      throttled: r.throttled,
      cpu: Math.round(r.cpuMs),
    }),
  );
}
