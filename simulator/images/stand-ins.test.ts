import { describe, expect, it } from 'vitest';
import { loadStandIns, resolveImage } from './stand-ins.js';

describe('stand-in images', () => {
  it('should map every official image the project runs to a flysim stand-in', () => {
    const standIns = loadStandIns();

    expect([...standIns.keys()].sort()).toEqual([
      'node:20-bookworm-slim',
      'postgres:16',
      'redis:7',
    ]);
    for (const entry of standIns.values()) expect(entry.standIn).toMatch(/^flysim\//);
  });

  it('should prefer the official image when the engine has it', async () => {
    const image = await resolveImage('postgres:16', async (name) => name === 'postgres:16');

    expect(image).toBe('postgres:16');
  });

  it('should fall back to the stand-in when the official image is missing', async () => {
    const image = await resolveImage('postgres:16', async () => false);

    expect(image).toBe('flysim/postgres:15');
  });

  it('should leave images without a stand-in unchanged', async () => {
    const image = await resolveImage('grupo-gad:local', async () => false);

    expect(image).toBe('grupo-gad:local');
  });
});
