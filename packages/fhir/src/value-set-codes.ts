import type {
  Bundle,
  CodeSystem,
  CodeSystemConcept,
  ValueSet,
  ValueSetComposeInclude,
} from '@medplum/fhirtypes';

/**
 * Resolves FHIR ValueSets to the flat set of codes they allow, using only the `compose`
 * definitions shipped in the bundles (no terminology server, no expansion).
 *
 * Resolution is deliberately conservative: a set is only returned when it can be computed
 * exactly, so callers can reject codes outside it without risking false errors.
 */
export class ValueSetCodes {
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly codeSystems = new Map<string, CodeSystem>();
  // `null` records "cannot be resolved" so repeated bindings to the same set stay cheap.
  private readonly cache = new Map<string, ReadonlySet<string> | null>();
  private readonly resolving = new Set<string>();

  /** Indexes every ValueSet and CodeSystem in `bundles`; the first definition of a URL wins. */
  constructor(bundles: readonly Bundle[]) {
    for (const bundle of bundles) {
      for (const entry of bundle.entry ?? []) {
        const resource = entry.resource;
        if (resource?.resourceType === 'ValueSet' && resource.url) {
          if (!this.valueSets.has(resource.url)) this.valueSets.set(resource.url, resource);
        } else if (resource?.resourceType === 'CodeSystem' && resource.url) {
          if (!this.codeSystems.has(resource.url)) this.codeSystems.set(resource.url, resource);
        }
      }
    }
  }

  /**
   * Returns every code allowed by the value set, or `undefined` when the set cannot be
   * fully resolved (unknown set, filters, incomplete code systems, or needs an expansion).
   *
   * @param url - Canonical URL of the value set, with or without a `|version` suffix.
   */
  resolve(url: string): ReadonlySet<string> | undefined {
    const canonical = stripVersion(url);
    let codes = this.cache.get(canonical);
    if (codes === undefined) {
      // A value set that (indirectly) imports itself has no well-defined code list here.
      if (this.resolving.has(canonical)) return undefined;
      this.resolving.add(canonical);
      codes = this.compute(canonical) ?? null;
      this.resolving.delete(canonical);
      this.cache.set(canonical, codes);
    }
    return codes ?? undefined;
  }

  private compute(url: string): Set<string> | undefined {
    const compose = this.valueSets.get(url)?.compose;
    if (!compose || compose.include.length === 0) return undefined;
    const codes = new Set<string>();
    for (const include of compose.include) {
      const included = this.select(include);
      if (!included) return undefined;
      for (const code of included) codes.add(code);
    }
    for (const exclude of compose.exclude ?? []) {
      const excluded = this.select(exclude);
      if (!excluded) return undefined;
      for (const code of excluded) codes.delete(code);
    }
    return codes;
  }

  /** Codes selected by one include/exclude clause; its system and value sets intersect. */
  private select(clause: ValueSetComposeInclude): ReadonlySet<string> | undefined {
    if (clause.filter?.length) return undefined;
    const parts: ReadonlySet<string>[] = [];
    if (clause.system !== undefined) {
      const fromSystem = clause.concept
        ? new Set(clause.concept.map((concept) => concept.code))
        : this.allCodes(clause.system);
      if (!fromSystem) return undefined;
      parts.push(fromSystem);
    }
    for (const imported of clause.valueSet ?? []) {
      const fromValueSet = this.resolve(imported);
      if (!fromValueSet) return undefined;
      parts.push(fromValueSet);
    }
    const [first, ...rest] = parts;
    if (!first) return undefined;
    return rest.length === 0
      ? first
      : new Set([...first].filter((c) => rest.every((p) => p.has(c))));
  }

  private allCodes(system: string): Set<string> | undefined {
    const codeSystem = this.codeSystems.get(stripVersion(system));
    // Fragments, examples and `not-present` systems (e.g. BCP-13 mime types) are open-ended.
    if (codeSystem?.content !== 'complete') return undefined;
    const codes = new Set<string>();
    const collect = (concepts: readonly CodeSystemConcept[]): void => {
      for (const concept of concepts) {
        codes.add(concept.code);
        if (concept.concept) collect(concept.concept);
      }
    };
    collect(codeSystem.concept ?? []);
    return codes;
  }
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar === -1 ? url : url.slice(0, bar);
}
