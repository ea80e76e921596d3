/**
 * `netstat -s` text (spec §7): counters net-tools knows become sentences
 * (tables.ts); others print as `Name: value`. Indentation follows
 * net-tools' small state machine: entering an ICMP histogram prints its title
 * at the indentation of the state being left, and unknown sections keep
 * whatever state the previous section left behind; a known section resets
 * it, even one the options leave out. Both quirks are visible in net-tools'
 * output and kept.
 */
import { counterText } from '../counters';
import { parseCounter, type StatCounter, type StatSection } from './read';
import { knownTable, type StatTable } from './tables';

/** The indentation state: plain sentences, or inside the input/output ICMP histogram. */
type State = 'normal' | 'input' | 'output';

const INDENT: Record<State, string> = { normal: '    ', input: '        ', output: '        ' };
const HISTOGRAM_TITLE: Record<'input' | 'output', string> = {
  input: 'ICMP input histogram:',
  output: 'ICMP output histogram:',
};

/** Turns the sections of one report into text, carrying the indentation state from section to section. */
export class StatisticsPrinter {
  private state: State = 'normal';

  /** The text of a section (nothing for one the options leave out). */
  section(section: StatSection): string {
    const known = knownTable(section.section, section.file);
    if (known !== undefined) this.state = 'normal';
    if (!section.selected) return '';
    let text = `${section.section}:\n`;
    for (const counter of section.counters) text += this.counter(counter, known);
    return text;
  }

  private counter(counter: StatCounter, known: StatTable | undefined): string {
    const value = parseCounter(counterText(counter, 'value'));
    const entry = known?.entries.get(counter.name);
    if (entry === undefined || entry.unreachable === true) {
      return value !== 0n ? `${INDENT[this.state]}${counter.name}: ${value}\n` : '';
    }
    const sentence = entry.text.replace('%u', value.toString());
    switch (entry.kind) {
      case 'silent':
        return '';
      case 'always':
        this.state = 'normal';
        return `${INDENT.normal}${sentence}\n`;
      case 'nonzero':
        this.state = 'normal';
        return value !== 0n ? `${INDENT.normal}${sentence}\n` : '';
      case 'input':
      case 'output': {
        let text = '';
        if (this.state !== entry.kind) text += `${INDENT[this.state]}${HISTOGRAM_TITLE[entry.kind]}\n`;
        if (value > 0n) text += `${INDENT[entry.kind]}${sentence}\n`;
        this.state = entry.kind;
        return text;
      }
    }
  }
}
