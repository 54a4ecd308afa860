import { buildSchema, execute, parse, type GraphQLResolveInfo } from 'graphql';
import { selectedFields } from './selected-fields';

const schema = buildSchema(`
  type Item { id: ID! name: String note: String }
  type Page { items: [Item!]! total: Int! }
  type Query { page: Page! }
`);

/** The info the `page` resolver gets for `document`. */
function infoFor(document: string): GraphQLResolveInfo {
  let seen: GraphQLResolveInfo | undefined;
  void execute({
    schema,
    document: parse(document),
    rootValue: {
      page: (_args: unknown, _ctx: unknown, info: GraphQLResolveInfo) => {
        seen = info;
        return { items: [], total: 0 };
      },
    },
  });
  return seen!;
}

describe('selectedFields', () => {
  it('names the fields asked below a path, over aliases and repeated occurrences', () => {
    expect(selectedFields(infoFor('{ page { items { id name __typename } } }'), ['items'])).toEqual(
      ['id', 'name'],
    );
    expect(
      selectedFields(infoFor('{ page { a: items { id } b: items { note } } }'), ['items']),
    ).toEqual(['id', 'note']);
  });

  it('gives up (null: load everything) where the document alone does not tell', () => {
    expect(
      selectedFields(infoFor('{ page { items { ...F } } } fragment F on Item { id }'), ['items']),
    ).toBeNull();
    expect(
      selectedFields(infoFor('{ page { items { id ... on Item { note } } } }'), ['items']),
    ).toBeNull();
    expect(selectedFields(infoFor('{ page { total } }'), ['items'])).toBeNull();
  });
});
