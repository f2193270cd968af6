/**
 * Vocabulary the emulator keeps apart from the product on purpose (it plants the data the
 * product is tested against, so it must not import the product's rules), held equal here so the
 * two can never drift.
 */

import { FINDING_TYPE_NAMES } from '@org-key-audit/emulator';
import { FINDING_TYPES } from '@org-key-audit/functions/core';
import { describe, expect, it } from 'vitest';

describe('contracts kept apart on purpose', () => {
  it('the emulator plants exactly the finding types the product reports', () => {
    expect([...FINDING_TYPE_NAMES].sort()).toEqual([...FINDING_TYPES].sort());
  });
});
