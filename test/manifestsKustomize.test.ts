/**
 * The small Kustomize renderer of manifests/tools (no kustomize binary installs from npm or
 * Debian): each feature the manifests use, on fixtures in a temporary directory, and the refusals
 * of what it does not support. Where `kubectl` is installed (its kustomize, v5.5.0 on the
 * development machine), every overlay of manifests/kubernetes and the fixtures are rendered by both
 * and must give the same objects; the comparison is skipped, saying so, without it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { configMapHash } from '../manifests/tools/configMapHash';
import { renderKustomization, splitImage, type KubernetesObject } from '../manifests/tools/renderKustomization';

const KUBERNETES = path.join(__dirname, '..', 'manifests', 'kubernetes');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-kustomize-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

const deployment = (name: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      initContainers: [{name: init, image: "app:1.0"}]
      containers: [{name: main, image: app, args: [serve]${extra}}]
      volumes: [{name: config, configMap: {name: cfg}}]
`;

const FIXTURE = {
  'base/kustomization.yaml': 'namespace: ns\nresources: [ns.yaml, app.yaml]\nconfigMapGenerator:\n  - name: cfg\n    files: [config.json]\n    literals: [mode=a=b]\n',
  'base/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n',
  'base/app.yaml': deployment('app'),
  'base/config.json': '{"a": "<b> & c"}\n',
  'overlay/kustomization.yaml': [
    'namespace: ns', 'resources: [../base, extra.yaml]', 'components: [../component]',
    'images:', '  - {name: app, newName: registry.example/app, newTag: "2.0"}',
    'patches:', '  - target: {kind: Deployment, name: app}', '    patch: |-',
    '      - {op: test, path: /spec/template/spec/containers/0/name, value: main}',
    '      - {op: add, path: /spec/template/spec/containers/0/args/-, value: --x}', '',
  ].join('\n'),
  'overlay/extra.yaml': deployment('extra'),
  'component/kustomization.yaml': [
    'apiVersion: kustomize.config.k8s.io/v1alpha1', 'kind: Component', 'resources: [svc.yaml]',
    'patches:', '  - target: {kind: Deployment, labelSelector: app=extra}', '    patch: |-',
    '      - {op: replace, path: /spec/template/spec/volumes/0, value: {name: config, secret: {secretName: s}}}', '',
  ].join('\n'),
  'component/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: [{port: 80}]}\n',
};

const byName = (objects: KubernetesObject[], kind: string, name: string): KubernetesObject => objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name))!;
const podSpec = (o: KubernetesObject): { containers: Array<{ image: string; args: string[] }>; initContainers: Array<{ image: string }>; volumes: Array<Record<string, { name?: string; secretName?: string }>> } =>
  (o.spec as { template: { spec: never } }).template.spec;

describe('renderKustomization', () => {
  it('renders resources, components, a hashed ConfigMap, namespace, images and JSON 6902 patches', () => {
    write(FIXTURE);
    const objects = renderKustomization(path.join(dir, 'overlay'));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      `ConfigMap/cfg-${configMapHash({ data: { 'config.json': FIXTURE['base/config.json'], mode: 'a=b' } })}`, 'Deployment/app', 'Deployment/extra', 'Namespace/ns', 'Service/svc',
    ]);
    expect(objects.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'ns')).toBe(true);
    expect(byName(objects, 'Namespace', 'ns').metadata.namespace).toBeUndefined();
    const app = podSpec(byName(objects, 'Deployment', 'app'));
    expect(app.containers[0]).toMatchObject({ image: 'registry.example/app:2.0', args: ['serve', '--x'] });
    expect(app.initContainers[0]!.image).toBe('registry.example/app:2.0');
    // The reference follows the hashed name; the component's patch replaced the other's volume.
    expect(app.volumes[0]!.configMap!.name).toBe(byName(objects, 'ConfigMap', 'cfg').metadata.name);
    expect(podSpec(byName(objects, 'Deployment', 'extra')).volumes[0]).toEqual({ name: 'config', secret: { secretName: 's' } });
  });

  it('hashes a ConfigMap as kustomize does (values computed by kubectl kustomize v5.5.0)', () => {
    expect(configMapHash({ data: { 'config.json': '{"a":1}\n' } })).toBe('d5886d98dc');
    expect(configMapHash({ data: { 'config.json': '{"b":"<x>&\\u2028é"}\n' } })).toBe('gfthkm85td');
  });

  it('refuses what it does not support instead of ignoring it', () => {
    write({ 'a/kustomization.yaml': 'resources: []\ncommonLabels: {a: b}\n' });
    expect(() => renderKustomization(path.join(dir, 'a'))).toThrow(/commonLabels not supported/);
    write({ 'b/kustomization.yaml': 'resources: [d.yaml]\npatches:\n  - target: {kind: Deployment}\n    patch: "spec: {replicas: 2}"\n', 'b/d.yaml': deployment('d') });
    expect(() => renderKustomization(path.join(dir, 'b'))).toThrow(/only JSON 6902 patches/);
    write({ 'c/kustomization.yaml': 'resources: [d.yaml]\npatches:\n  - target: {kind: Deployment, name: nope}\n    patch: "[]"\n', 'c/d.yaml': deployment('d') });
    expect(() => renderKustomization(path.join(dir, 'c'))).toThrow(/matches no object/);
    write({ 'e/kustomization.yaml': 'resources: [d.yaml, d.yaml]\n', 'e/d.yaml': deployment('d') });
    expect(() => renderKustomization(path.join(dir, 'e'))).toThrow(/defined twice/);
    write({ 'f/kustomization.yaml': 'resources: [d.yaml]\npatches:\n  - target: {kind: Deployment}\n    patch: "[{op: test, path: /spec/replicas, value: 9}]"\n', 'f/d.yaml': deployment('d') });
    expect(() => renderKustomization(path.join(dir, 'f'))).toThrow(/patching Deployment\/d/);
    write({ 'g/kustomization.yaml': 'resources: [https://example.org/base]\n' });
    expect(() => renderKustomization(path.join(dir, 'g'))).toThrow(/only relative paths/);
  });

  it('splits image references (a registry port is no tag)', () => {
    expect(splitImage('registry:5000/team/app')).toEqual({ name: 'registry:5000/team/app' });
    expect(splitImage('registry:5000/team/app:1.2@sha256:ab')).toEqual({ name: 'registry:5000/team/app', tag: '1.2', digest: 'sha256:ab' });
  });
});

const kubectlMissing = ((): string | null => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'kubectl is not installed';
  }
})();
if (kubectlMissing) process.stderr.write(`manifestsKustomize.test.ts: comparison with kubectl kustomize skipped: ${kubectlMissing}\n`);

/** Key order and YAML styles differ between the two; the objects must not. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, normalise((value as Record<string, unknown>)[k])]));
  return value;
}

function compareWithKubectl(target: string): void {
  const ours = renderKustomization(target).map(normalise);
  const theirs = parseAllDocuments(execFileSync('kubectl', ['kustomize', target], { encoding: 'utf8' })).map((d) => normalise(d.toJS()));
  const key = (o: unknown): string => { const k = o as KubernetesObject; return `${k.kind} ${k.metadata.namespace ?? ''}/${k.metadata.name}`; };
  expect([...ours].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...theirs].sort((a, b) => key(a).localeCompare(key(b))));
}

(kubectlMissing ? describe.skip : describe)('the same objects as kubectl kustomize', () => {
  it.each(['base', 'overlays/cpu', 'overlays/gpu', 'overlays/trial'])('manifests/kubernetes/%s', (overlay) => compareWithKubectl(path.join(KUBERNETES, overlay)));

  it('with both components on the gpu overlay', () => {
    // An overlay of the operator's own, as the components' comments describe it; it lives inside
    // manifests/kubernetes for the run because kustomize refuses absolute resource paths.
    const own = mkdtempSync(path.join(KUBERNETES, '.test-overlay-'));
    try {
      writeFileSync(path.join(own, 'kustomization.yaml'), 'namespace: scanselect\nresources: [../overlays/gpu]\ncomponents: [../components/postgres-trial, ../components/config-from-secret]\n');
      compareWithKubectl(own);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('the fixture above', () => {
    write(FIXTURE);
    compareWithKubectl(path.join(dir, 'overlay'));
  });
});
