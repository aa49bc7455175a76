/**
 * Replaces every `reference` that names a placeholder (`urn:uuid:...`) with the resource it
 * stands for, anywhere in the JSON. Returns a copy; the input is left as it was.
 */
export function resolvePlaceholders<T>(value: T, placeholders: ReadonlyMap<string, string>): T {
  if (placeholders.size === 0) {
    return value;
  }
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      return node.map(walk);
    }
    if (node === null || typeof node !== 'object') {
      return node;
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      out[key] =
        key === 'reference' && typeof child === 'string'
          ? (placeholders.get(child) ?? child)
          : walk(child);
    }
    return out;
  };
  return walk(value) as T;
}
