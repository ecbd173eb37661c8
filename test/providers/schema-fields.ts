/**
 * Field paths and JSON types of a schema, so that what an adapter reads (its zod response schema,
 * as JSON Schema) can be compared with what a vendor's OpenAPI description declares.
 */
type Node = Record<string, unknown>;

/** `a.b`, `a.list[]` → the JSON types allowed there (`string`, `integer`, `null`, `object`, ...). */
export type FieldTypes = Map<string, Set<string>>;

export function fieldsOf(root: unknown, resolve: (ref: string) => unknown = () => undefined): FieldTypes {
  const out: FieldTypes = new Map();
  // Nodes on the current path: a recursive schema stops instead of looping.
  const onPath = new Set<unknown>();

  const visit = (raw: unknown, path: string) => {
    if (typeof raw !== 'object' || raw === null) return;
    let node = raw as Node;
    if (typeof node.$ref === 'string') {
      const target = resolve(node.$ref);
      if (target === undefined) throw new Error(`unresolved $ref ${node.$ref}`);
      // A $ref sibling (description, x-twilio) does not change the type.
      node = target as Node;
    }
    if (onPath.has(node)) return;
    onPath.add(node);
    const types = path ? (out.get(path) ?? new Set<string>()) : undefined;
    if (path && !out.has(path)) out.set(path, types!);
    const declared = node.type;
    if (typeof declared === 'string') types?.add(declared);
    if (Array.isArray(declared)) for (const type of declared) types?.add(String(type));
    if (node.nullable === true) types?.add('null');
    for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
      const list = node[combinator];
      if (Array.isArray(list)) for (const branch of list) visit(branch, path);
    }
    const properties = node.properties;
    if (typeof properties === 'object' && properties !== null) {
      if (types && types.size === 0) types.add('object');
      for (const [name, child] of Object.entries(properties)) visit(child, path ? `${path}.${name}` : name);
    }
    if (node.items !== undefined) visit(node.items, `${path}[]`);
    onPath.delete(node);
  };

  visit(root, '');
  return out;
}

/** Resolver for `#/components/schemas/Name` style references inside one OpenAPI document. */
export function localRefs(document: unknown): (ref: string) => unknown {
  return (ref) => {
    if (!ref.startsWith('#/')) return undefined;
    let node: unknown = document;
    for (const part of ref.slice(2).split('/')) node = (node as Node | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    return node;
  };
}

/** Paths the adapter reads that the spec does not declare. */
export function unknownFields(adapter: FieldTypes, spec: FieldTypes): string[] {
  return [...adapter.keys()].filter((path) => !spec.has(path)).sort();
}

/**
 * Paths where the spec declares a type the adapter would refuse (e.g. the spec says string, the
 * adapter only accepts numbers). A spec without a type there declares nothing to compare.
 */
export function typeConflicts(adapter: FieldTypes, spec: FieldTypes): string[] {
  const conflicts: string[] = [];
  for (const [path, accepted] of adapter) {
    const declared = spec.get(path);
    if (!declared) continue;
    for (const type of declared) {
      if (type === 'null') continue;
      const ok = accepted.has(type) || (type === 'integer' && accepted.has('number'));
      if (!ok) conflicts.push(`${path}: the spec says ${type}, the adapter accepts ${[...accepted].join('|') || 'nothing'}`);
    }
  }
  return conflicts.sort();
}
