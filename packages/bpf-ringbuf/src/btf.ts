import { BpfError } from './errors.js';
import type { RawBtfMember, RawBtfStruct } from './native-binding.js';
import {
  defineSchema,
  type FieldSpec,
  type FieldSpecs,
  type FieldType,
  fieldWidth,
  type Schema,
} from './schema.js';

export interface SchemaFromBtfOptions {
  /** The schema's name (default: the struct's). */
  readonly name?: string;
  /** The u64 field that holds the event's bpf_ktime_get_ns() timestamp, by its schema name: BTF does not say which it is. */
  readonly timestamp?: string;
  /** Field names in camelCase (`timestamp_ns` → `timestampNs`), as the built-in schemas have them; default false. */
  readonly camelCase?: boolean;
  /**
   * Members to leave out, by their C name: the schema reads no field there (the bytes
   * are skipped). The way past a member no schema type can hold.
   */
  readonly omit?: readonly string[];
}

/** `timestamp_ns` → `timestampNs`. */
export function camelCase(name: string): string {
  return name.replace(/_+([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** The schema type a member reads as, or why it has none. */
function fieldTypeOf(member: RawBtfMember): FieldType | string {
  if (member.bitSize !== 0) return `a ${member.bitSize}-bit bitfield`;
  if (member.bitOffset % 8 !== 0) return 'not at a whole byte';
  switch (member.kind) {
    case 'int':
    case 'enum': {
      const type = member.signed
        ? ({ 4: 'i32', 8: 'i64' } as Record<number, FieldType>)[member.size]
        : ({ 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' } as Record<number, FieldType>)[member.size];
      if (type !== undefined) return type;
      return `a ${member.size}-byte ${member.signed ? 'signed' : 'unsigned'} integer (schemas hold u8, u16, u32, i32, u64 and i64)`;
    }
    case 'float':
      return member.size === 8 ? 'f64' : `a ${member.size}-byte float (schemas hold f64)`;
    case 'array':
      if (
        (member.elementKind === 'int' || member.elementKind === 'enum') &&
        member.elementSize === 1
      )
        return `char[${member.length}]`;
      return 'an array of other than 1-byte integers (schemas hold char[N])';
    case 'pointer':
      return 'a pointer';
    case 'struct':
      return 'a nested struct';
    case 'union':
      return 'a union';
    default:
      return 'a type schemas do not hold';
  }
}

/** Where a member starts: "byte 8", or "bit 4" for a bitfield off a byte boundary. */
function startOf(member: RawBtfMember): string {
  return member.bitOffset % 8 === 0 ? `byte ${member.bitOffset / 8}` : `bit ${member.bitOffset}`;
}

function unsupported(struct: RawBtfStruct, member: RawBtfMember, why: string): BpfError {
  const name = member.name === '' ? 'an anonymous member' : `member '${member.name}'`;
  const fix =
    member.name === ''
      ? 'name the member in the C source to leave it out with omit, or write the schema with defineSchema()'
      : `leave it out with omit: ['${member.name}']`;
  return new BpfError(
    'UNSUPPORTED_BTF_TYPE',
    `struct ${struct.name}'s ${name} (${member.typeName}, at ${startOf(member)}) is ${why}, which no schema field can read: ${fix}.`,
  );
}

/** The schema defineSchema() would build for `struct` (src/object.ts's schemaFromBtf()). */
export function schemaFromStruct(struct: RawBtfStruct, options: SchemaFromBtfOptions = {}): Schema {
  const omit = new Set(options.omit ?? []);
  for (const name of omit)
    if (!struct.members.some((member) => member.name === name))
      throw new BpfError(
        'INVALID_OPTIONS',
        `omit names '${name}', which struct ${struct.name} has no member of: choose from ${struct.members.map((member) => `'${member.name}'`).join(', ')}.`,
      );
  const fields: Record<string, FieldSpec> = {};
  for (const member of struct.members) {
    if (member.name !== '' && omit.has(member.name)) continue;
    const type = fieldTypeOf(member);
    if (fieldWidth(type) === 0) throw unsupported(struct, member, type);
    fields[options.camelCase ? camelCase(member.name) : member.name] = {
      offset: member.bitOffset / 8,
      type: type as FieldType,
    };
  }
  return defineSchema({
    name: options.name ?? struct.name,
    size: struct.size,
    fields: fields as FieldSpecs,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
}

function mismatch(schema: { readonly name: string }, what: string): BpfError {
  return new BpfError('SCHEMA_MISMATCH', `schema "${schema.name}" ${what}.`);
}

/**
 * Checks a hand-written schema against the struct the object's BTF has: the size,
 * and each field's offset and width. A field is matched to the member of its name
 * (or its snake_case name); a field no member is named after, to the member that
 * starts at its offset. SCHEMA_MISMATCH names the first field that differs.
 */
export function checkSchema<F extends FieldSpecs>(schema: Schema<F>, struct: RawBtfStruct): void {
  if (schema.size !== struct.size)
    throw mismatch(
      schema,
      `says an event is ${schema.size} bytes, where struct ${struct.name} in the object's BTF is ${struct.size} bytes`,
    );
  const byName = new Map<string, RawBtfMember>();
  for (const member of struct.members)
    if (member.name !== '') {
      byName.set(member.name, member);
      byName.set(camelCase(member.name), member);
    }
  for (const [field, { offset, type }] of Object.entries(schema.fields as FieldSpecs)) {
    const said = `puts field ${field} (${type}) at byte ${offset}`;
    const member =
      byName.get(field) ?? struct.members.find((candidate) => candidate.bitOffset === offset * 8);
    if (member === undefined)
      throw mismatch(
        schema,
        `${said}, where no member of struct ${struct.name} in the object's BTF starts`,
      );
    const where = `member '${member.name}' of struct ${struct.name} in the object's BTF is ${member.typeName}`;
    if (member.bitSize !== 0 || member.bitOffset % 8 !== 0)
      throw mismatch(schema, `${said}, where ${where}, a bitfield`);
    if (member.bitOffset !== offset * 8)
      throw mismatch(schema, `${said}, where ${where} at ${startOf(member)}`);
    if (member.size !== fieldWidth(type))
      throw mismatch(
        schema,
        `${said}, ${fieldWidth(type)} bytes wide, where ${where}, ${member.size} bytes wide`,
      );
  }
}
