declare module 'zipcode-to-timezone' {
  export function lookup(zip: string): string | null;
}

declare module 'areacodes/lib/data.json' {
  const data: Record<string, { stateCode?: string; type?: string; state?: string; city?: string }>;
  export default data;
}
