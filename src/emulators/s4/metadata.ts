import { entitySetByName, keyProperties, type EntitySetDef, type ServiceDef } from './model.js';

/** The service's EDMX ($metadata) in the shape SAP Gateway serves for OData v2 services. */
export function renderMetadata(service: ServiceDef): string {
  const ns = service.namespace;
  const types = service.entitySets.map((set) => entityType(set)).join('\n');
  const associations = service.entitySets
    .flatMap((set) => set.navigations.map((nav) => association(ns, set, nav.name)))
    .join('\n');
  const sets = service.entitySets
    .map(
      (set) =>
        `        <EntitySet Name="${set.name}" EntityType="${ns}.${set.typeName}" sap:creatable="${set.writable}" sap:updatable="${set.writable}" sap:deletable="${set.writable}" sap:content-version="1"/>`,
    )
    .join('\n');
  const assocSets = service.entitySets
    .flatMap((set) =>
      set.navigations.map((nav) => {
        const name = assocName(set, nav.name);
        return `        <AssociationSet Name="${name}_Set" Association="${ns}.${name}" sap:creatable="false" sap:updatable="false" sap:deletable="false" sap:content-version="1">
          <End EntitySet="${set.name}" Role="FromRole_${name}"/>
          <End EntitySet="${nav.target}" Role="ToRole_${name}"/>
        </AssociationSet>`;
      }),
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" xmlns:sap="http://www.sap.com/Protocols/SAPData">
  <edmx:DataServices m:DataServiceVersion="2.0">
    <Schema Namespace="${ns}" xml:lang="en" sap:schema-version="1" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">
${types}
${associations}
      <EntityContainer Name="${ns}_Entities" m:IsDefaultEntityContainer="true" sap:supported-formats="atom json xlsx">
${sets}
${assocSets}
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
`;
}

function assocName(set: EntitySetDef, nav: string): string {
  return `assoc_${set.name}_${nav}`;
}

function entityType(set: EntitySetDef): string {
  const keys = keyProperties(set)
    .map((k) => `          <PropertyRef Name="${k.name}"/>`)
    .join('\n');
  const props = set.properties
    .map((prop) => {
      const attrs = [
        `Name="${prop.name}"`,
        `Type="${prop.type}"`,
        prop.key || !prop.nullable ? 'Nullable="false"' : '',
        prop.maxLength !== undefined ? `MaxLength="${prop.maxLength}"` : '',
        prop.type === 'Edm.DateTime' || prop.type === 'Edm.DateTimeOffset' ? 'Precision="7"' : '',
        prop.dateOnly ? 'sap:display-format="Date"' : '',
        `sap:label="${escapeXml(prop.label)}"`,
        prop.computed || prop.key
          ? 'sap:creatable="false" sap:updatable="false"'
          : prop.createOnly
            ? 'sap:updatable="false"'
            : '',
        set.changedAtProperty === prop.name ? 'ConcurrencyMode="Fixed"' : '',
      ]
        .filter(Boolean)
        .join(' ');
      return `        <Property ${attrs}/>`;
    })
    .join('\n');
  const navs = set.navigations
    .map((nav) => {
      const name = assocName(set, nav.name);
      return `        <NavigationProperty Name="${nav.name}" Relationship="${'NS'}.${name}" FromRole="FromRole_${name}" ToRole="ToRole_${name}"/>`;
    })
    .join('\n');
  const service = entitySetByName(set.name)?.service;
  return `      <EntityType Name="${set.typeName}" sap:label="${set.name}" sap:content-version="1">
        <Key>
${keys}
        </Key>
${props}
${navs.replaceAll('"NS.', `"${service?.namespace ?? ''}.`)}
      </EntityType>`;
}

function association(ns: string, set: EntitySetDef, navName: string): string {
  const nav = set.navigations.find((n) => n.name === navName);
  if (!nav) return '';
  const name = assocName(set, navName);
  const target = entitySetByName(nav.target)?.set;
  const refs = nav.join;
  return `      <Association Name="${name}" sap:content-version="1">
        <End Type="${ns}.${set.typeName}" Multiplicity="1" Role="FromRole_${name}"/>
        <End Type="${ns}.${target?.typeName ?? nav.target}" Multiplicity="${nav.many ? '*' : '0..1'}" Role="ToRole_${name}"/>
        <ReferentialConstraint>
          <Principal Role="FromRole_${name}">
${refs.map(([from]) => `            <PropertyRef Name="${from}"/>`).join('\n')}
          </Principal>
          <Dependent Role="ToRole_${name}">
${refs.map(([, to]) => `            <PropertyRef Name="${to}"/>`).join('\n')}
          </Dependent>
        </ReferentialConstraint>
      </Association>`;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}
