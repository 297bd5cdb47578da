import {
  type Entity,
  getCompoundEntityRef,
  parseEntityRef,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  RELATION_HAS_PART,
  RELATION_OWNED_BY,
  RELATION_OWNER_OF,
  RELATION_PART_OF,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  type CatalogProcessor,
  type CatalogProcessorEmit,
  type LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  ACCESS_POLICY_KIND,
  AI_GATEWAY_API_VERSION,
  formatProblem,
  ROUTING_POLICY_KIND,
  validatePolicyEntity,
} from '@kagenti/backstage-plugin-ai-gateway-common';

const POLICY_KINDS = [ROUTING_POLICY_KIND, ACCESS_POLICY_KIND];

/** Problems listed in a processing error; the rest are counted. */
const MAX_LISTED_PROBLEMS = 20;

export function isPolicyEntity(entity: Entity): boolean {
  return (
    entity.apiVersion === AI_GATEWAY_API_VERSION &&
    POLICY_KINDS.includes(entity.kind)
  );
}

/**
 * Accepts the AIRoutingPolicy and AIAccessPolicy kinds, fails processing of invalid ones with a
 * message naming every bad field, and relates valid ones to their owner, their system and the
 * gateway `Resource` they target.
 */
export class AIGatewayEntitiesProcessor implements CatalogProcessor {
  getProcessorName(): string {
    return 'AIGatewayEntitiesProcessor';
  }

  async validateEntityKind(entity: Entity): Promise<boolean> {
    return isPolicyEntity(entity);
  }

  async postProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    if (!isPolicyEntity(entity)) {
      return entity;
    }
    const result = validatePolicyEntity(entity);
    if (!result.ok) {
      // A spec with thousands of bad entries would otherwise make a message of hundreds of
      // kilobytes, stored by the catalog and shown whole on the entity's page.
      const listed = result.problems.slice(0, MAX_LISTED_PROBLEMS);
      const more = result.problems.length - listed.length;
      throw new InputError(
        `Invalid ${entity.kind} "${entity.metadata.name}": ${listed
          .map(formatProblem)
          .join('; ')}${
          more > 0
            ? `; and ${more} more problem${more === 1 ? '' : 's'} (${
                result.problems.length
              } in all)`
            : ''
        }`,
      );
    }
    const { owner, system, spec } = result.value;
    const self = getCompoundEntityRef(entity);
    const namespace = self.namespace;
    const relate = (
      target: { kind: string; namespace: string; name: string },
      outgoing: string,
      incoming: string,
    ) => {
      emit(processingResult.relation({ source: self, type: outgoing, target }));
      emit(
        processingResult.relation({
          source: target,
          type: incoming,
          target: self,
        }),
      );
    };

    relate(
      parseEntityRef(owner, {
        defaultKind: 'Group',
        defaultNamespace: namespace,
      }),
      RELATION_OWNED_BY,
      RELATION_OWNER_OF,
    );
    if (system) {
      relate(
        parseEntityRef(system, {
          defaultKind: 'System',
          defaultNamespace: namespace,
        }),
        RELATION_PART_OF,
        RELATION_HAS_PART,
      );
    }
    // Emitted whether or not the gateway Resource exists: the catalog keeps relations to missing
    // entities harmlessly, and the relation appears once the Resource is registered.
    relate(
      { kind: 'resource', namespace, name: spec.targetRef.name },
      RELATION_DEPENDS_ON,
      RELATION_DEPENDENCY_OF,
    );
    return entity;
  }
}
