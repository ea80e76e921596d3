/**
 * Test helpers for running a mode in-process: an Output that keeps what a
 * pass writes instead of writing it, and the shape of a finished run.
 */
import { Output } from '../../src/cli/output';

/** The reference program every differential test compares against. */
export const ORACLE = '/usr/bin/netstat';

/** What a run printed and returned. */
export interface Run {
  stdout: string;
  stderr: string;
  status: number;
}

/** An Output that collects stdout and stderr text. */
export class CapturedOutput extends Output {
  stdout = '';
  stderr = '';
  override out(text: string): void {
    this.stdout += text;
  }
  override err(text: string): void {
    this.stderr += text;
  }
  override flush(): void {}
}
