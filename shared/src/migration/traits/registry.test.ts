import { orderTraits, TRAITS } from './registry';
import type { Trait } from './types';

const t = (id: string, dependsOn: string[] = []): Trait => ({
  id,
  description: id,
  dependsOn,
  detect: async () => ({ detected: false, details: {}, blockers: [] }),
  migrate: async () => ({ filesChanged: [], summary: '' }),
  validate: async () => ({ ok: true, problems: [] }),
});

test('traits run in dependency order (stable otherwise)', () => {
  expect(orderTraits([t('c', ['b']), t('a'), t('b', ['a'])]).map((x) => x.id)).toEqual(['a', 'b', 'c']);
  expect(orderTraits([t('x'), t('y'), t('z', ['x'])]).map((x) => x.id)).toEqual(['x', 'y', 'z']);
  expect(TRAITS.map((x) => x.id)).toEqual(['legacy-run-paths', 'wbt-geojson-ids', 'landuse-parquet-ids']);
});

test('a cycle, an unknown dependency or a duplicate id is refused', () => {
  expect(() => orderTraits([t('a', ['b']), t('b', ['c']), t('c', ['a'])])).toThrow(
    'Trait dependency cycle: a → b → c → a',
  );
  expect(() => orderTraits([t('a', ['nope'])])).toThrow('Trait a depends on unknown trait nope');
  expect(() => orderTraits([t('a'), t('a')])).toThrow('Trait a is declared twice');
});
