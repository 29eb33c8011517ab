import { Router } from 'express';
import type { TareaService } from './service.js';
import { parseListQuery, parseNewTarea, parseTareaChanges, parseTareaId } from './validation.js';

const COLLECTION = '/api/v1/tareas';
const ITEM = `${COLLECTION}/:id`;

/** Full paths (no mount prefix), so `req.route.path` is the whole pattern the metrics label. */
export function createTareaRouter(service: TareaService): Router {
  const router = Router();

  router.get(COLLECTION, async (req, res) => {
    const query = parseListQuery(req.query);
    res.json({ items: await service.list(query), limit: query.limit, offset: query.offset });
  });

  router.post(COLLECTION, async (req, res) => {
    const tarea = await service.create(parseNewTarea(req.body));
    res.status(201).location(`${COLLECTION}/${tarea.id}`).json(tarea);
  });

  router.get(ITEM, async (req, res) => {
    res.json(await service.get(parseTareaId(req.params['id'] ?? '')));
  });

  router.patch(ITEM, async (req, res) => {
    const id = parseTareaId(req.params['id'] ?? '');
    res.json(await service.update(id, parseTareaChanges(req.body)));
  });

  router.delete(ITEM, async (req, res) => {
    await service.remove(parseTareaId(req.params['id'] ?? ''));
    res.status(204).end();
  });

  return router;
}
