import { describe, expect, it } from 'vitest';
import {
  emulatorPages,
  fewUnderMapped,
  inMappedSubtree,
  MAPPED_OU_PATHS,
  measureOuOwners,
  ouPathsOf,
  ouTree,
  spreadEvenly,
} from '../src/owners-history';

describe('the owner benchmark organization', () => {
  const paths = ouPathsOf(ouTree());

  it('has 40 OUs on 3 levels, 7 of them inside the 3 mapped subtrees', () => {
    expect(paths).toHaveLength(40);
    expect(Math.max(...paths.map((p) => p.split('/').length))).toBe(3);
    expect(MAPPED_OU_PATHS.every((p) => paths.includes(p))).toBe(true);
    expect(paths.filter(inMappedSubtree)).toHaveLength(7);
  });

  it('places 5 accounts in each listed OU for the few-under-mapped case', () => {
    const placed = Array.from({ length: 9_998 }, (_, m) => fewUnderMapped(m, paths));
    expect(placed.filter(inMappedSubtree)).toHaveLength(35);
    expect(new Set(placed).size).toBe(40);
  });

  it('counts the emulator pages of a listing: 20 a page, one empty page per 100', () => {
    expect([0, 1, 20, 21, 100, 101, 200, 250].map(emulatorPages)).toEqual([1, 1, 1, 2, 5, 7, 11, 15]);
  });
});

describe('measureOuOwners', () => {
  it('walks the tree once and lists only the mapped subtrees', async () => {
    const row = await measureOuOwners('test', 1_000, spreadEvenly);
    expect(row.calls).toEqual({
      ListRoots: 1,
      ListOrganizationalUnitsForParent: 41,
      ListAccountsForParent: 14,
    });
    expect(row.ownerCalls).toBe(row.expectedOwnerCalls);
    expect(row.ownedByOu).toBe(row.accountsUnderMapped);
    expect(row.warnings).toEqual([]);
  });
});
