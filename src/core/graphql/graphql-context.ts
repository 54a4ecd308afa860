import type { Request, Response } from 'express';

export interface GraphQLContext {
  req: Request & { id?: string | number };
  res: Response;
}
