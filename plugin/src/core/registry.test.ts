import { RegistryError } from './errors';
import { Registry } from './registry';
import { createProjectionRegistry, createStrategyRegistry, PROJECTION_IDS, STRATEGY_IDS } from '../registries';

describe('Registry', () => {
  const entry = (id: string) => ({ id, description: `the ${id}` });

  it('registers, lists and finds entries', () => {
    const r = new Registry<{ id: string; description: string }>('widget').register(entry('a-b')).register(entry('c'));
    expect(r.ids()).toEqual(['a-b', 'c']);
    expect(r.get('c').description).toBe('the c');
    expect(r.list()).toEqual([entry('a-b'), entry('c')]);
    expect(r.has('zzz')).toBe(false);
  });

  it('throws on a duplicate id, a non-kebab-case id, and an unknown id naming the valid ones', () => {
    const r = new Registry<{ id: string; description: string }>('widget').register(entry('one'));
    expect(() => r.register(entry('one'))).toThrow(new RegistryError('widget', 'widget "one" is already registered'));
    expect(() => r.register(entry('NotKebab'))).toThrow(/not kebab-case/);
    expect(() => r.get('two')).toThrow('unknown widget "two"; valid: one');
  });

  it('holds the built-in strategies and projections', () => {
    expect(createStrategyRegistry().ids()).toEqual([...STRATEGY_IDS]);
    expect(createProjectionRegistry().ids()).toEqual([...PROJECTION_IDS]);
  });
});
