import { IsInt, IsString, MaxLength, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './metadata-cache';

class Base {
  @IsString() name!: unknown;
}

class Child extends Base {
  @IsInt() count!: unknown;
}

const failures = (o: object) =>
  validateSync(o)
    .map((e) => `${e.property}:${Object.keys(e.constraints ?? {}).join(',')}`)
    .sort();

describe('cacheValidationMetadata', () => {
  it('answers as class-validator does, inherited rules included, and is installed once', () => {
    const child = Object.assign(new Child(), { name: 1, count: 'x' });
    const before = failures(child);
    const storage = cacheValidationMetadata();
    expect(cacheValidationMetadata()).toBe(storage);
    expect(failures(child)).toEqual(before);
    expect(failures(child)).toEqual(['count:isInt', 'name:isString']);
    expect(failures(Object.assign(new Base(), { name: 'ok' }))).toEqual([]);
  });

  it('sees a rule registered after a class was first validated', () => {
    cacheValidationMetadata();
    const base = Object.assign(new Base(), { name: 'a long name' });
    expect(failures(base)).toEqual([]);
    MaxLength(3)(Base.prototype, 'name');
    expect(failures(base)).toEqual(['name:maxLength']);
    // And a subclass inherits it.
    expect(failures(Object.assign(new Child(), { name: 'a long name', count: 1 }))).toEqual([
      'name:maxLength',
    ]);
  });
});
