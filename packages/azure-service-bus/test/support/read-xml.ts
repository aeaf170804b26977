/** One XML element: its qualified name, attributes, child elements in document order, and text. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity.toLowerCase()] ?? entity;
  });
}

/**
 * Reads the small, well-formed XML documents the administration client sends (no DTDs, no
 * CDATA). Written here rather than borrowed from the SDK so the fake does not judge the SDK's
 * XML with the SDK's own parser.
 */
export function readXml(document: string): XmlElement {
  const tokens =
    /<\?[^>]*\?>|<!--[\s\S]*?-->|<\/([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  type Open = { name: string; attributes: Record<string, string>; children: XmlElement[]; text: string };
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  for (const match of document.matchAll(tokens)) {
    const [whole, closing, opening, attributeText, selfClosing, text] = match;
    if (whole.startsWith('<?') || whole.startsWith('<!--')) continue;
    if (text !== undefined) {
      const top = stack.at(-1);
      if (top) top.text += decode(text);
      else if (text.trim() !== '') throw new Error(`text outside the root element: '${text.trim()}'`);
      continue;
    }
    if (opening !== undefined) {
      const attributes: Record<string, string> = {};
      for (const attribute of (attributeText ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        attributes[attribute[1]!] = decode(attribute[2] ?? attribute[3] ?? '');
      }
      const element: Open = { name: opening, attributes, children: [], text: '' };
      if (selfClosing) close(element);
      else stack.push(element);
      continue;
    }
    const open = stack.pop();
    if (!open || open.name !== closing) throw new Error(`unbalanced XML at </${closing}>`);
    close(open);
  }
  if (stack.length > 0 || !root) throw new Error('incomplete XML document');
  return root;

  function close(element: Open): void {
    const parent = stack.at(-1);
    const done: XmlElement = { ...element, text: element.children.length > 0 ? '' : element.text };
    if (parent) parent.children.push(done);
    else if (root) throw new Error('more than one root element');
    else root = done;
  }
}

/** The first child named `name` (local name, any prefix). */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((candidate) => localName(candidate.name) === name);
}

export function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}
