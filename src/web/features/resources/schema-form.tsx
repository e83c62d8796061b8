import { ActionIcon, Autocomplete, Button, Card, Fieldset, Group, MultiSelect, NumberInput, PasswordInput, Select, Stack, Switch, TagsInput, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState, type ReactNode } from 'react';
import { SECRET_SET, type Issue } from '../../app/types.ts';
import { useSuggestions, type Suggest } from './field-hints.ts';

/** The part of JSON Schema the form understands (what zod's toJSONSchema produces for kinds). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  description?: string;
  title?: string;
  anyOf?: JsonSchema[];
}

type Obj = Record<string, unknown>;

/** "dependsOn" → "Depends on". */
export function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  if (schema.type) return schema.type;
  const alt = schema.anyOf?.find((s) => s.type && s.type !== 'null');
  return alt ? typeOf(alt) : undefined;
}

/** The messages of the server's issues that belong exactly to this path. */
export function issuesAt(issues: Issue[], path: string): string | undefined {
  const mine = issues.filter((i) => i.path === path).map((i) => i.message);
  return mine.length ? mine.join('; ') : undefined;
}

interface FieldProps {
  name: string;
  schema: JsonSchema;
  value: unknown;
  onChange(value: unknown): void;
  /** Dot path from the document root, as the server names it in issues (spec.links.0.url). */
  path: string;
  /** Dot path within spec, as kinds name secret fields. */
  specPath: string;
  required: boolean;
  issues: Issue[];
  secretFields: string[];
  /** Which fields name users or resources (suggestions), by spec path. */
  hint?(specPath: string): Suggest | undefined;
}

function description(schema: JsonSchema, extra?: string): string | undefined {
  const parts = [schema.description, extra].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}

function SecretField({ name, value, onChange, path, issues, required }: FieldProps) {
  const isSet = value === SECRET_SET;
  return (
    <Group align="flex-end" gap="xs" wrap="nowrap">
      <PasswordInput
        style={{ flex: 1 }}
        label={humanize(name)}
        description={isSet ? 'A value is stored (never shown). Leave the field empty to keep it, or type a new value to replace it.' : 'Write-only: once saved, Ethos never shows it again.'}
        placeholder={isSet ? '•••••••• (kept)' : undefined}
        autoComplete="new-password"
        required={required && !isSet}
        value={isSet || typeof value !== 'string' ? '' : value}
        onChange={(e) => onChange(e.currentTarget.value === '' ? (isSet ? SECRET_SET : undefined) : e.currentTarget.value)}
        error={issuesAt(issues, path)}
      />
      {isSet && (
        <Button variant="subtle" color="red" size="sm" onClick={() => onChange(undefined)}>
          Remove
        </Button>
      )}
    </Group>
  );
}

/** One field, chosen by its schema: text, select, switch, number, tags, list of objects or nested group. */
function Field(props: FieldProps) {
  const { name, schema, value, onChange, path, specPath, required, issues, secretFields } = props;
  const type = typeOf(schema);
  const label = schema.title ?? humanize(name);
  const error = issuesAt(issues, path);
  if (secretFields.includes(specPath) && (type === 'string' || type === undefined)) return <SecretField {...props} />;

  if (schema.enum && schema.enum.every((v) => typeof v === 'string')) {
    const options = schema.enum as string[];
    return (
      <Select
        label={label}
        description={description(schema, schema.default !== undefined ? `Default: ${String(schema.default)}.` : undefined)}
        data={options}
        value={typeof value === 'string' ? value : null}
        placeholder={schema.default !== undefined ? String(schema.default) : 'Not set'}
        onChange={(v) => onChange(v ?? undefined)}
        clearable={!required}
        required={required && schema.default === undefined}
        error={error}
        allowDeselect={!required}
      />
    );
  }
  switch (type) {
    case 'string':
      if (props.hint?.(specPath)) return <SuggestInput {...props} suggest={props.hint(specPath)!} label={label} error={error} />;
      return (
        <TextInput
          label={label}
          description={description(schema, schema.format === 'uri' ? 'A URL, e.g. https://…' : undefined)}
          type={schema.format === 'uri' ? 'url' : schema.format === 'email' ? 'email' : 'text'}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.currentTarget.value === '' ? undefined : e.currentTarget.value)}
          required={required}
          maxLength={schema.maxLength}
          error={error}
        />
      );
    case 'boolean':
      return <Switch label={label} description={description(schema)} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} error={error} />;
    case 'number':
    case 'integer':
      return (
        <NumberInput
          label={label}
          description={description(schema)}
          value={typeof value === 'number' ? value : ''}
          onChange={(v) => onChange(typeof v === 'number' ? v : undefined)}
          allowDecimal={type === 'number'}
          required={required}
          error={error}
        />
      );
    case 'array': {
      const items = schema.items ?? {};
      const list = Array.isArray(value) ? value : [];
      const itemType = typeOf(items);
      if (items.enum && items.enum.every((v) => typeof v === 'string')) {
        return <MultiSelect label={label} description={description(schema)} data={items.enum as string[]} value={list as string[]} onChange={(v) => onChange(v)} error={error} clearable />;
      }
      if (itemType === 'string' && props.hint?.(specPath)) return <SuggestTags {...props} suggest={props.hint(specPath)!} label={label} list={list.map(String)} error={error} />;
      if (itemType === 'string' || itemType === 'number' || itemType === 'integer') {
        return (
          <TagsInput
            label={label}
            description={description(schema, 'Type a value and press Enter.')}
            value={list.map(String)}
            onChange={(v) => onChange(itemType === 'string' ? v : v.map(Number))}
            error={error ?? list.map((_, i) => issuesAt(issues, `${path}.${i}`)).find(Boolean)}
            clearable
          />
        );
      }
      if (itemType === 'object') return <ObjectList {...props} list={list as Obj[]} items={items} />;
      return <Unsupported label={label} />;
    }
    case 'object':
      if (!schema.properties) return <Unsupported label={label} />;
      return (
        <Fieldset legend={label}>
          <SchemaFields schema={schema} value={(value as Obj | undefined) ?? {}} onChange={onChange} path={path} specPath={specPath} issues={issues} secretFields={secretFields} hint={props.hint} />
        </Fieldset>
      );
    default:
      return <Unsupported label={label} />;
  }
}

/** A name of a user or resource, with matching names suggested as you type. */
function SuggestInput({ value, onChange, required, schema, suggest, label, error }: FieldProps & { suggest: Suggest; label: string; error?: string }) {
  const text = typeof value === 'string' ? value : '';
  const [search] = useDebouncedValue(text, 250);
  const options = useSuggestions(suggest, search);
  return (
    <Autocomplete
      label={label}
      description={description(schema)}
      data={options.data ?? []}
      value={text}
      onChange={(v) => onChange(v === '' ? undefined : v)}
      required={required}
      maxLength={schema.maxLength}
      error={error}
    />
  );
}

/** A list of names of users or resources, with suggestions. */
function SuggestTags({ onChange, schema, suggest, label, list, error, issues, path }: FieldProps & { suggest: Suggest; label: string; list: string[]; error?: string }) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const options = useSuggestions(suggest, debounced);
  return (
    <TagsInput
      label={label}
      description={description(schema, 'Type a name and press Enter.')}
      data={(options.data ?? []).filter((o) => !list.includes(o))}
      value={list}
      onChange={(v) => onChange(v)}
      searchValue={search}
      onSearchChange={setSearch}
      error={error ?? list.map((_, i) => issuesAt(issues, `${path}.${i}`)).find(Boolean)}
      clearable
    />
  );
}

function Unsupported({ label }: { label: string }) {
  return (
    <Text size="sm" c="dimmed">
      {label}: edit this field in the YAML tab.
    </Text>
  );
}

function ObjectList(props: FieldProps & { list: Obj[]; items: JsonSchema }) {
  const { name, schema, list, items, onChange, path, specPath, issues, secretFields, hint } = props;
  const label = schema.title ?? humanize(name);
  const singular = label.replace(/s$/, '').toLowerCase();
  const set = (i: number, v: unknown) => onChange(list.map((x, j) => (j === i ? v : x)));
  return (
    <Fieldset legend={label}>
      <Stack gap="sm">
        {list.length === 0 && (
          <Text size="sm" c="dimmed">
            None yet.
          </Text>
        )}
        {list.map((item, i) => (
          <Card key={i} withBorder padding="sm" aria-label={`${humanize(singular)} ${i + 1}`} component="section">
            <Group align="flex-start" wrap="nowrap" gap="xs">
              <div style={{ flex: 1 }}>
                <SchemaFields schema={items} value={item ?? {}} onChange={(v) => set(i, v)} path={`${path}.${i}`} specPath={`${specPath}.${i}`} issues={issues} secretFields={secretFields} hint={hint} inline />
              </div>
              <ActionIcon variant="subtle" color="red" mt={24} aria-label={`Remove ${singular} ${i + 1}`} title="Remove" onClick={() => onChange(list.filter((_, j) => j !== i))}>
                ✕
              </ActionIcon>
            </Group>
          </Card>
        ))}
        <div>
          <Button variant="light" size="xs" onClick={() => onChange([...list, {}])}>
            Add {singular}
          </Button>
        </div>
        {issuesAt(issues, path) && (
          <Text size="xs" c="red">
            {issuesAt(issues, path)}
          </Text>
        )}
      </Stack>
    </Fieldset>
  );
}

/** The fields of an object schema, bound to `value`. */
export function SchemaFields({
  schema,
  value,
  onChange,
  path,
  specPath,
  issues,
  secretFields,
  hint,
  inline = false,
}: {
  schema: JsonSchema;
  value: Obj;
  onChange(value: Obj): void;
  path: string;
  specPath: string;
  issues: Issue[];
  secretFields: string[];
  hint?(specPath: string): Suggest | undefined;
  inline?: boolean;
}): ReactNode {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([key, sub]) => (
    <Field
      key={key}
      name={key}
      schema={sub}
      value={value[key]}
      required={required.has(key)}
      path={path ? `${path}.${key}` : key}
      specPath={specPath ? `${specPath}.${key}` : key}
      issues={issues}
      secretFields={secretFields}
      hint={hint}
      onChange={(v) => {
        const next = { ...value };
        if (v === undefined) delete next[key];
        else next[key] = v;
        onChange(next);
      }}
    />
  ));
  return inline ? (
    <Group grow align="flex-start" gap="sm" wrap="wrap">
      {fields}
    </Group>
  ) : (
    <Stack gap="md">{fields}</Stack>
  );
}
