import type { Prisma } from '../generated/prisma/client.ts';

/**
 * The tenancy rule of domain/tenancy.ts as queries say it: the accounts `managerId` manages are
 * those whose `tree` holds its id (one GIN-indexed lookup). Every query that filters by the tree
 * goes through here.
 */
export function managedBy(managerId: string): Prisma.AccountWhereInput {
  return { tree: { has: managerId } };
}

/** The same rule in raw SQL: `<param> = ANY(<alias>.tree)`, e.g. managedBySql('a', '$3'). */
export function managedBySql(alias: string, param: string): string {
  return `${param} = ANY(${alias}.tree)`;
}
