import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The names of the fields the operation asks for below the resolved field, at `path` (e.g.
 * `['items']` for a page's items), over every occurrence of the field in the document. Null when
 * that cannot be told from the document alone (a fragment on the way, or a path that is not
 * asked for): the caller then loads everything, as it would without this.
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[]): string[] | null {
  const names = new Set<string>();
  for (const node of info.fieldNodes) {
    let sets: SelectionSetNode[] = node.selectionSet ? [node.selectionSet] : [];
    for (const step of path) {
      const next: SelectionSetNode[] = [];
      for (const set of sets)
        for (const selection of set.selections) {
          if (selection.kind !== Kind.FIELD) return null;
          if (selection.name.value === step && selection.selectionSet)
            next.push(selection.selectionSet);
        }
      sets = next;
    }
    if (sets.length === 0) return null;
    for (const set of sets)
      for (const selection of set.selections) {
        if (selection.kind !== Kind.FIELD) return null;
        if (selection.name.value !== '__typename') names.add(selection.name.value);
      }
  }
  return [...names];
}
