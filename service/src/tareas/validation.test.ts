import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors.js';
import { parseListQuery, parseNewTarea, parseTareaChanges, parseTareaId } from './validation.js';

function rejection(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (error instanceof HttpError && error.status === 400) return error.message;
    throw error;
  }
  throw new Error('expected a 400');
}

describe('parseNewTarea', () => {
  it('should keep the given fields and trim the title', () => {
    expect(
      parseNewTarea({ titulo: ' Ronda ', descripcion: null, prioridad: 'alta', efectivo_id: 3 }),
    ).toEqual({ titulo: 'Ronda', descripcion: null, prioridad: 'alta', efectivo_id: 3 });
  });

  it.each([
    [undefined, /request body must be a JSON object, got undefined/],
    ['text', /request body must be a JSON object, got "text"/],
    [{}, /titulo is required/],
    [{ titulo: '   ' }, /titulo must be a non-empty string of at most 200 characters/],
    [{ titulo: 'x'.repeat(201) }, /titulo must be a non-empty string/],
    [{ titulo: 7 }, /got 7 \(number\)/],
    [{ titulo: 'x', descripcion: 5 }, /descripcion must be null or a string/],
    [{ titulo: 'x', estado: 'lista' }, /estado must be one of pendiente, en_progreso, completada/],
    [{ titulo: 'x', prioridad: 'urgente' }, /prioridad must be one of baja, media, alta/],
    [{ titulo: 'x', efectivo_id: 0 }, /efectivo_id must be null or a positive integer id/],
    [{ titulo: 'x', creado_por_id: 1.5 }, /creado_por_id must be null or a positive integer id/],
    [
      { titulo: 'x', efectivo_id: '3' },
      /efectivo_id must be null or a positive integer id, got "3"/,
    ],
    [{ titulo: 'x', id: 9 }, /unknown field "id"/],
  ])('should reject %j', (body, message) => {
    expect(rejection(() => parseNewTarea(body))).toMatch(message);
  });
});

describe('parseTareaChanges', () => {
  it('should allow any subset, including clearing references', () => {
    expect(parseTareaChanges({ estado: 'completada', efectivo_id: null })).toEqual({
      estado: 'completada',
      efectivo_id: null,
    });
  });

  it('should reject an empty change', () => {
    expect(rejection(() => parseTareaChanges({}))).toMatch(
      /send at least one of titulo, descripcion/,
    );
  });
});

describe('parseTareaId', () => {
  it('should accept positive integers', () => {
    expect(parseTareaId('42')).toBe(42);
  });

  it.each(['0', '-1', 'abc', '1.5', '99999999999', ''])('should reject "%s"', (raw) => {
    expect(rejection(() => parseTareaId(raw))).toMatch(/tarea id must be a positive integer/);
  });
});

describe('parseListQuery', () => {
  it('should default to the first 50', () => {
    expect(parseListQuery({})).toEqual({ estado: undefined, limit: 50, offset: 0 });
  });

  it('should read estado, limit and offset', () => {
    expect(parseListQuery({ estado: 'pendiente', limit: '10', offset: '20' })).toEqual({
      estado: 'pendiente',
      limit: 10,
      offset: 20,
    });
  });

  it.each([
    { limit: '0' },
    { limit: '101' },
    { offset: '-1' },
    { limit: ['1', '2'] },
    { estado: 'x' },
  ])('should reject %j', (query) => {
    expect(rejection(() => parseListQuery(query))).toMatch(/must be/);
  });
});
