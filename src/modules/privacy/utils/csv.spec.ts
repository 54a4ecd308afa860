import { csvCell, toCsv } from './csv';

describe('CSV writer', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    [42, '42'],
    [-5, '-5'],
    [true, 'true'],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    [' padded', '" padded"'],
    [new Date('2026-01-02T03:04:05.000Z'), '2026-01-02T03:04:05.000Z'],
    [{ ip: '203.0.113.7' }, '"{""ip"":""203.0.113.7""}"'],
  ])('writes %p as %p', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+12125550100', "'+12125550100"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\tindent', "'\tindent"],
    ['\r=cmd', '"\'\r=cmd"'],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['=a,b', '"\'=a,b"'],
  ])('neutralises the formula %p as %p', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('keeps text that only contains formula characters later on', () => {
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('x@example.com')).toBe('x@example.com');
  });

  it('writes a header of every key in first-seen order and CRLF line ends', () => {
    const csv = toCsv([
      { a: 1, b: 'x,y' },
      { b: 'z', c: '=evil()' },
    ]);
    expect(csv).toBe('a,b,c\r\n1,"x,y",\r\n,z,\'=evil()\r\n');
  });

  it('writes a header-only file for an empty section with known columns', () => {
    expect(toCsv([], ['id', 'at'])).toBe('id,at\r\n');
    expect(toCsv([])).toBe('');
  });

  it('neutralises and quotes header names too', () => {
    expect(toCsv([{ '=x': 1 }])).toBe("'=x\r\n1\r\n");
  });
});
