/** Test support: the library's errors as values. */
import { expect } from 'vitest';
import { NetstatError } from '../../src/errors';

/** The NetstatError a call throws or rejects with; the test fails if it returns, or throws anything else. */
export async function netstatFailure(call: () => unknown): Promise<NetstatError> {
  try {
    await call();
  } catch (err) {
    expect(err).toBeInstanceOf(NetstatError);
    return err as NetstatError;
  }
  throw new Error('expected a NetstatError, got a result');
}
