import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { credentialsPath, readProfile, setProfileValues, writeFileAtomic } from '../src/ops/credentials-file';

const FILE = [
  '# work laptop',
  '[default]',
  'aws_access_key_id = AKIADEFAULT00000001',
  'aws_secret_access_key = defaultsecret ; keep me',
  '',
  '; the one we rotate',
  '[alice]',
  '  aws_access_key_id=AKIAOLD000000000001   # inline note',
  'aws_secret_access_key = oldsecret',
  'region = eu-west-1',
  '',
  '[zeta]',
  'aws_access_key_id = AKIAZETA00000000001',
  '',
].join('\n');

describe('credentials file editing', () => {
  it('reads a profile, ignoring inline comments', () => {
    expect(readProfile(FILE, 'alice')).toEqual({
      aws_access_key_id: 'AKIAOLD000000000001',
      aws_secret_access_key: 'oldsecret',
      region: 'eu-west-1',
    });
    expect(readProfile(FILE, 'default')?.['aws_secret_access_key']).toBe('defaultsecret');
    expect(readProfile(FILE, 'missing')).toBeNull();
  });

  it('changes only the two key lines of the profile, keeping indent, comments and everything else', () => {
    const next = setProfileValues(FILE, 'alice', {
      aws_access_key_id: 'AKIANEW000000000002',
      aws_secret_access_key: 'newsecret',
    });
    const expected = FILE.replace(
      '  aws_access_key_id=AKIAOLD000000000001   # inline note',
      '  aws_access_key_id = AKIANEW000000000002   # inline note',
    ).replace('aws_secret_access_key = oldsecret', 'aws_secret_access_key = newsecret');
    expect(next).toBe(expected);
  });

  it('adds a missing setting after the profile last setting, and a missing profile at the end', () => {
    const onlyId = '[bob]\r\naws_access_key_id = A\r\n\r\n[carol]\r\nx = 1';
    expect(setProfileValues(onlyId, 'bob', { aws_access_key_id: 'B', aws_secret_access_key: 'S' })).toBe(
      '[bob]\r\naws_access_key_id = B\r\naws_secret_access_key = S\r\n\r\n[carol]\r\nx = 1',
    );
    expect(setProfileValues(onlyId, 'dave', { aws_access_key_id: 'D' })).toBe(
      `${onlyId}\r\n\r\n[dave]\r\naws_access_key_id = D\r\n`,
    );
    expect(setProfileValues('', 'dave', { aws_access_key_id: 'D' })).toBe('[dave]\naws_access_key_id = D\n');
  });

  it('writes atomically with mode 0600 and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyaudit-creds-'));
    const path = join(dir, 'nested', 'credentials');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'nested'))).toEqual(['credentials']);
  });

  it('finds the file from AWS_SHARED_CREDENTIALS_FILE, else under HOME', () => {
    expect(credentialsPath({ AWS_SHARED_CREDENTIALS_FILE: '/x/creds', HOME: '/h' })).toBe('/x/creds');
    expect(credentialsPath({ HOME: '/h' })).toBe('/h/.aws/credentials');
  });
});
