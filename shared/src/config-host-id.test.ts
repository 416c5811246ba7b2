import { parseConfig } from './config';

test('HOST_ID cannot take a name that ends run channels', () => {
  for (const id of ['archive', 'migration', 'run_sync'])
    expect(() => parseConfig({ HOST_ID: id })).toThrow(/reserved/);
  expect(parseConfig({ HOST_ID: 'h2' }).hostId).toBe('h2');
});
