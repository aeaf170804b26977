import { compilePattern } from '../pattern/index.js';
import { toEventView } from '../message/encode-message.js';
import type { StoredDeadLetter } from '../transport/dead-letter-store.js';
import type { DeadLetterSelection } from './dead-letter-types.js';
import { tryDecode } from './read-dead-letter.js';

/** A predicate over dead letters for `ids` and `pattern` (both must hold when both are given). */
export function createSelector(selection: DeadLetterSelection): (letter: StoredDeadLetter) => boolean {
  const ids = selection.ids ? new Set(selection.ids) : undefined;
  const matches = selection.pattern ? compilePattern(selection.pattern) : undefined;
  return (letter) => {
    if (ids && !ids.has(letter.message.id)) return false;
    if (!matches) return true;
    const message = tryDecode(letter);
    return message !== undefined && matches(toEventView(message));
  };
}
