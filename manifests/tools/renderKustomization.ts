/**
 * Renders a Kustomize directory to the objects `kubectl apply -k` would send, for the subset of
 * Kustomize that manifests/kubernetes uses, so that `npm test` validates exactly those objects
 * without a kustomize binary (none installs from npm or Debian). Where `kubectl` is on the machine
 * the tests also compare this rendering with `kubectl kustomize`.
 *
 * The subset: `resources` (files and directories), `components`, `configMapGenerator` (files,
 * literals, the name hash), `generatorOptions.disableNameSuffixHash`, `namespace`, `images`, and
 * `patches` as JSON 6902 operations with a target (kind, name, labelSelector). Anything else in a
 * kustomization throws instead of being ignored; so does a patch that matches nothing (kustomize
 * would skip it silently) and two objects with the same kind, namespace and name.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { parse, parseAllDocuments } from 'yaml';
import { configMapHash } from './configMapHash';

/** A Kubernetes object as rendered: plain JSON. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

interface Kustomization {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly resources?: readonly string[];
  readonly components?: readonly string[];
  readonly configMapGenerator?: readonly ConfigMapGenerator[];
  readonly generatorOptions?: { readonly disableNameSuffixHash?: boolean };
  readonly images?: readonly ImageOverride[];
  readonly patches?: readonly PatchSpec[];
}
interface ConfigMapGenerator {
  readonly name: string;
  readonly files?: readonly string[];
  readonly literals?: readonly string[];
  readonly options?: { readonly disableNameSuffixHash?: boolean };
}
interface ImageOverride {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}
interface PatchSpec {
  readonly path?: string;
  readonly patch?: string;
  readonly target?: { readonly kind?: string; readonly name?: string; readonly labelSelector?: string };
}

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'configMapGenerator', 'generatorOptions', 'images', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'IngressClass', 'PriorityClass']);

/** An object with what kustomize keeps beside it until the end. */
interface Resource {
  readonly object: KubernetesObject;
  readonly hashSuffix: boolean;
}

/** Renders the kustomization in `dir` (a directory holding kustomization.yaml). */
export function renderKustomization(dir: string): KubernetesObject[] {
  const resources = build(path.resolve(dir), 'Kustomization', []);
  // Hash suffixes last, as kustomize does, then every reference to the old name is rewritten
  // (references are by name within one namespace).
  const renamed = new Map<string, string>();
  for (const { object, hashSuffix } of resources) {
    if (!hashSuffix) continue;
    const name = `${object.metadata.name}-${configMapHash(object as { data?: Record<string, string> })}`;
    renamed.set(`${object.metadata.namespace ?? ''}/${object.metadata.name}`, name);
    object.metadata.name = name;
  }
  for (const { object } of resources) {
    for (const spec of podSpecs(object)) renameConfigMapReferences(spec, (name) => renamed.get(`${object.metadata.namespace ?? ''}/${name}`));
  }
  return resources.map((r) => r.object);
}

/** One kustomization (or component) over what came before it: resources, components, generators, then transformers. */
function build(dir: string, kind: 'Kustomization' | 'Component', inherited: Resource[]): Resource[] {
  const k = readKustomization(dir);
  if ((k.kind ?? 'Kustomization') !== kind) throw new Error(`${dir}: a ${k.kind ?? 'Kustomization'} where a ${kind} was expected`);
  let resources = [...inherited];
  for (const entry of k.resources ?? []) {
    const target = inside(dir, entry);
    if (statSync(target).isDirectory()) resources.push(...build(target, 'Kustomization', []));
    else resources.push(...readObjects(target).map((object) => ({ object, hashSuffix: false })));
  }
  for (const component of k.components ?? []) resources = build(inside(dir, component), 'Component', resources);
  for (const generator of k.configMapGenerator ?? []) {
    const hashSuffix = !(generator.options?.disableNameSuffixHash ?? k.generatorOptions?.disableNameSuffixHash ?? false);
    resources.push({ object: generateConfigMap(dir, generator), hashSuffix });
  }
  // kustomize's order of built-in transformers: patches, then namespace, then images.
  for (const patch of k.patches ?? []) applyPatchSpec(dir, patch, resources);
  if (k.namespace !== undefined) setNamespace(resources, k.namespace);
  for (const image of k.images ?? []) overrideImage(resources, image);
  refuseDuplicates(dir, resources);
  return resources;
}

function readKustomization(dir: string): Kustomization {
  const value = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Record<string, unknown> | null;
  if (value === null || typeof value !== 'object') throw new Error(`${dir}/kustomization.yaml is empty`);
  const unknown = Object.keys(value).filter((key) => !KUSTOMIZATION_FIELDS.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: ${unknown.join(', ')} not supported by this renderer (supported: ${[...KUSTOMIZATION_FIELDS].join(', ')})`);
  return value as Kustomization;
}

/** A path named in a kustomization: relative to it; absolute paths and URLs (remote bases) are refused. */
function inside(dir: string, relative: string): string {
  if (path.isAbsolute(relative) || /^[a-z]+:\/\//i.test(relative)) throw new Error(`${dir}: ${relative}: only relative paths are supported`);
  return path.resolve(dir, relative);
}

function readObjects(file: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as KubernetesObject | null;
    if (object === null) return [];
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') throw new Error(`${file}: an object without apiVersion, kind or metadata.name`);
    return [object];
  });
}

function generateConfigMap(dir: string, generator: ConfigMapGenerator): KubernetesObject {
  const data: Record<string, string> = {};
  for (const entry of generator.files ?? []) {
    const [key, file] = entry.includes('=') ? entry.split('=', 2) as [string, string] : [path.basename(entry), entry];
    data[key] = readFileSync(inside(dir, file), 'utf8');
  }
  for (const literal of generator.literals ?? []) {
    const at = literal.indexOf('=');
    if (at <= 0) throw new Error(`${dir}: configMapGenerator ${generator.name}: literal "${literal}" is not key=value`);
    data[literal.slice(0, at)] = literal.slice(at + 1);
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data };
}

function applyPatchSpec(dir: string, spec: PatchSpec, resources: readonly Resource[]): void {
  if ((spec.path === undefined) === (spec.patch === undefined)) throw new Error(`${dir}: a patch needs exactly one of path and patch`);
  const text = spec.patch ?? readFileSync(inside(dir, spec.path!), 'utf8');
  const operations = parse(text) as unknown;
  if (!Array.isArray(operations)) throw new Error(`${dir}: only JSON 6902 patches (a list of operations) are supported, not strategic merge patches`);
  if (spec.target === undefined) throw new Error(`${dir}: a JSON 6902 patch needs a target`);
  const matched = resources.filter(({ object }) => matchesTarget(object, spec.target!));
  if (matched.length === 0) throw new Error(`${dir}: the patch for ${JSON.stringify(spec.target)} matches no object`);
  for (const { object } of matched) {
    try {
      applyPatch(object, operations as Operation[], true, true);
    } catch (error) {
      throw new Error(`${dir}: patching ${object.kind}/${object.metadata.name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
}

function matchesTarget(object: KubernetesObject, target: NonNullable<PatchSpec['target']>): boolean {
  if (target.kind !== undefined && object.kind !== target.kind) return false;
  // kustomize reads the target name as an anchored regular expression.
  if (target.name !== undefined && !new RegExp(`^(?:${target.name})$`).test(object.metadata.name)) return false;
  if (target.labelSelector !== undefined) {
    const labels = object.metadata.labels ?? {};
    for (const term of target.labelSelector.split(',')) {
      const [key, value] = term.split('=').map((s) => s.trim());
      if (key === undefined || value === undefined || term.includes('!')) throw new Error(`label selector "${target.labelSelector}": only key=value terms are supported`);
      if (labels[key] !== value) return false;
    }
  }
  return true;
}

function setNamespace(resources: readonly Resource[], namespace: string): void {
  for (const { object } of resources) {
    // kustomize names a Namespace object after the namespace it sets.
    if (object.kind === 'Namespace') object.metadata.name = namespace;
    else if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = namespace;
  }
}

function overrideImage(resources: readonly Resource[], override: ImageOverride): void {
  for (const { object } of resources) {
    for (const spec of podSpecs(object)) {
      for (const container of [...arrayAt(spec, 'initContainers'), ...arrayAt(spec, 'containers')]) {
        const image = container.image;
        if (typeof image !== 'string') continue;
        const { name, tag, digest } = splitImage(image);
        if (name !== override.name) continue;
        const newName = override.newName ?? name;
        container.image = override.digest !== undefined ? `${newName}@${override.digest}`
          : override.newTag !== undefined ? `${newName}:${override.newTag}`
            : `${newName}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
      }
    }
  }
}

/** `registry:5000/team/app:1.2@sha256:…` → name, tag, digest (a colon before the last slash is a port). */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [rest, digest] = image.split('@', 2) as [string, string | undefined];
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > slash;
  return { name: hasTag ? rest.slice(0, colon) : rest, ...(hasTag && { tag: rest.slice(colon + 1) }), ...(digest !== undefined && { digest }) };
}

function refuseDuplicates(dir: string, resources: readonly Resource[]): void {
  const seen = new Set<string>();
  for (const { object } of resources) {
    const id = `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (seen.has(id)) throw new Error(`${dir}: ${id} is defined twice`);
    seen.add(id);
  }
}

type Json = Record<string, unknown>;

/** The pod specs inside a workload object (none for other kinds). */
export function podSpecs(object: KubernetesObject): Json[] {
  const spec = object.spec as Json | undefined;
  if (spec === undefined) return [];
  if (object.kind === 'Pod') return [spec];
  if (object.kind === 'CronJob') return [((spec.jobTemplate as Json | undefined)?.spec as Json | undefined)?.template as Json | undefined].flatMap((t) => (t?.spec ? [t.spec as Json] : []));
  const template = spec.template as Json | undefined;
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(object.kind) && template?.spec ? [template.spec as Json] : [];
}

function arrayAt(object: Json, key: string): Json[] {
  const value = object[key];
  return Array.isArray(value) ? (value as Json[]) : [];
}

function renameConfigMapReferences(spec: Json, renamed: (name: string) => string | undefined): void {
  const rename = (holder: Json | undefined): void => {
    if (holder === undefined || typeof holder.name !== 'string') return;
    holder.name = renamed(holder.name) ?? holder.name;
  };
  for (const volume of arrayAt(spec, 'volumes')) {
    rename(volume.configMap as Json | undefined);
    for (const source of arrayAt((volume.projected as Json | undefined) ?? {}, 'sources')) rename(source.configMap as Json | undefined);
  }
  for (const container of [...arrayAt(spec, 'initContainers'), ...arrayAt(spec, 'containers')]) {
    for (const env of arrayAt(container, 'env')) rename((env.valueFrom as Json | undefined)?.configMapKeyRef as Json | undefined);
    for (const from of arrayAt(container, 'envFrom')) rename(from.configMapRef as Json | undefined);
  }
}
