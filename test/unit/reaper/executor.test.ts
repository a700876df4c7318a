import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyExec } from '../../../src/reaper/executor';

test('exec results: success, the container stopping under the command, missing binaries, other failures', () => {
  assert.equal(classifyExec({ status: 'Success', message: '', stderr: '' }).status, 'sent');
  assert.equal(classifyExec({ status: 'Failure', message: 'command terminated with non-zero exit code: command terminated with exit code 137', exitCode: 137, stderr: '' }).status, 'sent');
  assert.equal(classifyExec({ status: 'Failure', message: 'failed to exec in container: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown', stderr: '' }).status, 'unavailable');
  assert.equal(classifyExec({ status: 'Failure', message: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown', stderr: '' }).status, 'unavailable');
  const f = classifyExec({ status: 'Failure', message: 'command terminated with non-zero exit code', exitCode: 1, stderr: 'connection refused' });
  assert.equal(f.status, 'failed');
  assert.match(f.detail, /exit 1: .*connection refused/);
});
