/** Told the reason of every request an edge hook refuses before GraphQL (a metrics counter). */
export type EdgeRefusals = (reason: string) => void;
