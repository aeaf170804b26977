import { compileJsonPath } from './compile-json-path.js';
import type { StoredTarget } from './eventbridge-state.js';

/** The event as EventBridge hands it to targets. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** What a target's input may refer to besides the event. */
export interface InputContext {
  ruleArn: string;
  ruleName: string;
  /** ISO-8601, for `<aws.events.event.ingestion-time>`. */
  ingestionTime: string;
}

interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

/**
 * The body a target receives: `Input` verbatim, the JSON of what `InputPath` selects, the filled
 * `InputTransformer` template, or else the whole envelope. Throws when `InputPath` selects nothing,
 * which the emulator records as a delivery failure rather than sending a guess.
 */
export function buildTargetInput(target: StoredTarget, event: EventEnvelope, context: InputContext): string {
  if (typeof target.Input === 'string') return target.Input;
  if (typeof target.InputPath === 'string') {
    const selected = compileJsonPath(target.InputPath)(event);
    if (selected === undefined)
      throw new Error(`InputPath ${target.InputPath} selected nothing from the event`);
    return JSON.stringify(selected);
  }
  if (target.InputTransformer !== undefined) {
    return fillInputTemplate(target.InputTransformer as InputTransformer, event, context);
  }
  return JSON.stringify(event);
}

/**
 * Replaces each `<name>` of the template. Inside a JSON string a value goes in as text (a string
 * without its quotes, a missing value as nothing); outside, as JSON (a missing value as `null`).
 * That is how EventBridge lets one template write both `"id": <id>` and `"text": "Order <id>"`.
 */
function fillInputTemplate(
  transformer: InputTransformer,
  event: EventEnvelope,
  context: InputContext,
): string {
  const values = new Map<string, unknown>([
    ['aws.events.rule-arn', context.ruleArn],
    ['aws.events.rule-name', context.ruleName],
    ['aws.events.event.ingestion-time', context.ingestionTime],
    ['aws.events.event', event],
    ['aws.events.event.json', event],
  ]);
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) {
    values.set(name, compileJsonPath(path)(event));
  }

  const template = transformer.InputTemplate;
  let output = '';
  let inString = false;
  for (let index = 0; index < template.length; index++) {
    const char = template[index]!;
    if (char === '\\' && inString) {
      output += template.slice(index, index + 2);
      index++;
      continue;
    }
    if (char === '"') inString = !inString;
    const placeholder = char === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(index)) : null;
    if (placeholder && values.has(placeholder[1]!)) {
      const value = values.get(placeholder[1]!);
      if (inString) {
        const text = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
        output += JSON.stringify(text).slice(1, -1);
      } else {
        output += value === undefined ? 'null' : JSON.stringify(value);
      }
      index += placeholder[0].length - 1;
      continue;
    }
    output += char;
  }
  return output;
}
