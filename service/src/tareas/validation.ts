import { ESTADOS_TAREA, PRIORIDADES_TAREA } from '../db/schema.js';
import { HttpError } from '../errors.js';
import type { NewTarea, TareaChanges, TareaListQuery } from './tarea.js';

export const MAX_TITULO_LENGTH = 200;
export const MAX_DESCRIPCION_LENGTH = 2000;
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 100;
const MAX_OFFSET = 1_000_000;
/** Postgres `integer`: anything larger could never match a row. */
const MAX_ID = 2_147_483_647;

const FIELDS = ['titulo', 'descripcion', 'estado', 'prioridad', 'efectivo_id', 'creado_por_id'];

export function parseTareaId(raw: string): number {
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : 0;
  if (id < 1 || id > MAX_ID) {
    throw badRequest(`tarea id must be a positive integer, got "${raw.slice(0, 40)}"`);
  }
  return id;
}

export function parseNewTarea(body: unknown): NewTarea {
  const changes = parseChanges(body);
  if (changes.titulo === undefined) throw badRequest('titulo is required');

  return { ...changes, titulo: changes.titulo };
}

export function parseTareaChanges(body: unknown): TareaChanges {
  const changes = parseChanges(body);
  if (Object.keys(changes).length === 0) {
    throw badRequest(`send at least one of ${FIELDS.join(', ')}`);
  }
  return changes;
}

export function parseListQuery(query: Readonly<Record<string, unknown>>): TareaListQuery {
  return {
    estado: query['estado'] === undefined ? undefined : readEstado(query['estado']),
    limit: readQueryInteger(query, 'limit', DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT),
    offset: readQueryInteger(query, 'offset', 0, 0, MAX_OFFSET),
  };
}

function parseChanges(body: unknown): TareaChanges {
  const record = requireObject(body);
  const unknownField = Object.keys(record).find((key) => !FIELDS.includes(key));
  if (unknownField !== undefined) {
    throw badRequest(`unknown field "${unknownField.slice(0, 40)}"; expected ${FIELDS.join(', ')}`);
  }

  return {
    ...('titulo' in record && { titulo: readTitulo(record['titulo']) }),
    ...('descripcion' in record && { descripcion: readDescripcion(record['descripcion']) }),
    ...('estado' in record && { estado: readEstado(record['estado']) }),
    ...('prioridad' in record && { prioridad: readPrioridad(record['prioridad']) }),
    ...('efectivo_id' in record && { efectivo_id: readReference(record, 'efectivo_id') }),
    ...('creado_por_id' in record && { creado_por_id: readReference(record, 'creado_por_id') }),
  };
}

function requireObject(body: unknown): Readonly<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`request body must be a JSON object, got ${describeType(body)}`);
  }
  return body as Record<string, unknown>;
}

function readTitulo(value: unknown): string {
  const titulo = typeof value === 'string' ? value.trim() : undefined;
  if (titulo === undefined || titulo.length === 0 || titulo.length > MAX_TITULO_LENGTH) {
    throw badRequest(
      `titulo must be a non-empty string of at most ${MAX_TITULO_LENGTH} characters, ` +
        `got ${describeType(value)}`,
    );
  }
  return titulo;
}

function readDescripcion(value: unknown): string | null {
  if (value === null) return null;

  if (typeof value !== 'string' || value.length > MAX_DESCRIPCION_LENGTH) {
    throw badRequest(
      `descripcion must be null or a string of at most ${MAX_DESCRIPCION_LENGTH} characters, ` +
        `got ${describeType(value)}`,
    );
  }
  return value;
}

function readEstado(value: unknown): (typeof ESTADOS_TAREA)[number] {
  const estado = ESTADOS_TAREA.find((candidate) => candidate === value);
  if (estado === undefined) throw badRequest(expectedOneOf('estado', ESTADOS_TAREA, value));
  return estado;
}

function readPrioridad(value: unknown): (typeof PRIORIDADES_TAREA)[number] {
  const prioridad = PRIORIDADES_TAREA.find((candidate) => candidate === value);
  if (prioridad === undefined)
    throw badRequest(expectedOneOf('prioridad', PRIORIDADES_TAREA, value));
  return prioridad;
}

function readReference(record: Readonly<Record<string, unknown>>, field: string): number | null {
  const value = record[field];
  if (value === null) return null;

  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ID) {
    throw badRequest(`${field} must be null or a positive integer id, got ${describeType(value)}`);
  }
  return value;
}

function readQueryInteger(
  query: Readonly<Record<string, unknown>>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = query[name];
  if (raw === undefined) return fallback;

  const value = typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw badRequest(`${name} must be an integer from ${min} to ${max}, got ${describeType(raw)}`);
  }
  return value;
}

function expectedOneOf(field: string, allowed: readonly string[], value: unknown): string {
  return `${field} must be one of ${allowed.join(', ')}, got ${describeType(value)}`;
}

/** Short and safe to echo: strings are cut, other values only named by type. */
function describeType(value: unknown): string {
  if (typeof value === 'string') return `"${value.slice(0, 40)}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${value} (${typeof value})`;
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}
