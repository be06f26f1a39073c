"! <p class="shorttext synchronized">Tandem: ZTANDEM_TASK_SRV model provider (MPC_EXT)</p>
"! The model of Tandem's task service, registered with SAP Gateway (OData V2). Code-based, without a
"! SEGW project: no generated MPC class sits between this class and Gateway's base class, and the
"! entity sets, properties, keys and navigations come from ZCL_TANDEM_TASK_MAP=>MODEL( ), the one list
"! that npm test compares with Tandem's S/4 emulator and connector. Registered as model
"! ZTANDEM_TASK_MDL (/IWBEP/REG_MODEL) of service ZTANDEM_TASK_SRV (/IWBEP/REG_SERVICE), docs/s4-setup.md.
CLASS zcl_tandem_task_mpc_ext DEFINITION PUBLIC INHERITING FROM /iwbep/cl_mgw_push_abs_model CREATE PUBLIC.

  PUBLIC SECTION.
    "! Entity structures the properties are bound to (ABAP field names as in ZCL_TANDEM_TASK_MAP)
    CONSTANTS:
      BEGIN OF gc_structure,
        task    TYPE string VALUE `ZCL_TANDEM_TASK_MAP=>TY_TASK`,
        partner TYPE string VALUE `ZCL_TANDEM_TASK_MAP=>TY_PARTNER`,
        text    TYPE string VALUE `ZCL_TANDEM_TASK_MAP=>TY_TEXT`,
      END OF gc_structure.

    METHODS define REDEFINITION.
    METHODS get_last_modified REDEFINITION.

  PRIVATE SECTION.
    "! Changing this time stamp makes Gateway drop its cached metadata after a model change
    CONSTANTS gc_model_changed_at TYPE timestamp VALUE '20261202170000'.

    METHODS define_entity_type
      IMPORTING
        iv_entity_set TYPE string
        iv_structure  TYPE string
      RAISING
        /iwbep/cx_mgw_med_exception.

    METHODS define_property
      IMPORTING
        io_entity_type TYPE REF TO /iwbep/if_mgw_odata_entity_typ
        is_property    TYPE zcl_tandem_task_map=>ty_property
      RAISING
        /iwbep/cx_mgw_med_exception.

    METHODS define_navigation
      IMPORTING
        is_navigation TYPE zcl_tandem_task_map=>ty_navigation
      RAISING
        /iwbep/cx_mgw_med_exception.
ENDCLASS.



CLASS zcl_tandem_task_mpc_ext IMPLEMENTATION.

  METHOD define.
    DATA lt_navigations TYPE zcl_tandem_task_map=>ty_navigations.
    FIELD-SYMBOLS <ls_navigation> TYPE zcl_tandem_task_map=>ty_navigation.

    model->set_schema_namespace( 'ZTANDEM_TASK_SRV' ).
    define_entity_type( iv_entity_set = zcl_tandem_task_map=>gc_entity_set-task iv_structure = gc_structure-task ).
    define_entity_type( iv_entity_set = zcl_tandem_task_map=>gc_entity_set-partner iv_structure = gc_structure-partner ).
    define_entity_type( iv_entity_set = zcl_tandem_task_map=>gc_entity_set-text iv_structure = gc_structure-text ).
    lt_navigations = zcl_tandem_task_map=>navigations( ).
    LOOP AT lt_navigations ASSIGNING <ls_navigation>.
      define_navigation( <ls_navigation> ).
    ENDLOOP.
  ENDMETHOD.


  METHOD define_entity_type.
    DATA lo_entity_type TYPE REF TO /iwbep/if_mgw_odata_entity_typ.
    DATA lo_entity_set TYPE REF TO /iwbep/if_mgw_odata_entity_set.
    DATA lt_properties TYPE zcl_tandem_task_map=>ty_properties.
    DATA lv_type_name TYPE /iwbep/med_external_name.
    DATA lv_set_name TYPE /iwbep/med_external_name.
    FIELD-SYMBOLS <ls_property> TYPE zcl_tandem_task_map=>ty_property.

    " The entity type is named like its set (as the emulator's $metadata does): TaskActivity.
    lv_type_name = iv_entity_set.
    lv_set_name = iv_entity_set.
    lo_entity_type = model->create_entity_type( iv_entity_type_name = lv_type_name iv_def_entity_set = abap_false ).
    lt_properties = zcl_tandem_task_map=>model( ).
    LOOP AT lt_properties ASSIGNING <ls_property> WHERE entity_set = iv_entity_set.
      define_property( io_entity_type = lo_entity_type is_property = <ls_property> ).
    ENDLOOP.
    lo_entity_type->bind_structure( iv_structure_name = iv_structure iv_bind_conversions = abap_true ).
    lo_entity_set = lo_entity_type->create_entity_set( lv_set_name ).
    lo_entity_set->set_creatable( abap_true ).
    lo_entity_set->set_updatable( abap_true ).
    lo_entity_set->set_deletable( abap_true ).
    lo_entity_set->set_pageable( abap_true ).
    lo_entity_set->set_addressable( abap_true ).
  ENDMETHOD.


  METHOD define_property.
    DATA lo_property TYPE REF TO /iwbep/if_mgw_odata_property.
    DATA lv_name TYPE /iwbep/med_external_name.
    DATA lv_field TYPE fieldname.

    lv_name = is_property-name.
    lv_field = is_property-abap_field.
    lo_property = io_entity_type->create_property( iv_property_name = lv_name iv_abap_fieldname = lv_field ).
    IF is_property-is_key = abap_true.
      lo_property->set_is_key( ).
    ENDIF.
    CASE is_property-edm_type.
      WHEN `Edm.Guid`.
        lo_property->set_type_edm_guid( ).
      WHEN `Edm.DateTimeOffset`.
        lo_property->set_type_edm_datetimeoffset( ).
        lo_property->set_precison( 7 ).
      WHEN `Edm.Byte`.
        lo_property->set_type_edm_byte( ).
      WHEN `Edm.Boolean`.
        lo_property->set_type_edm_boolean( ).
      WHEN OTHERS.
        lo_property->set_type_edm_string( ).
    ENDCASE.
    IF is_property-max_length > 0.
      lo_property->set_maxlength( is_property-max_length ).
    ENDIF.
    lo_property->set_nullable( is_property-nullable ).
    lo_property->set_creatable( is_property-creatable ).
    lo_property->set_updatable( is_property-updatable ).
    lo_property->set_filterable( is_property-filterable ).
    " The connector orders by the change time only (paging through the tasks changed since).
    lo_property->set_sortable( boolc( is_property-name = `LastChangeDateTime` ) ).
    IF is_property-etag = abap_true.
      " Optimistic locking: Gateway answers If-Match itself, comparing with this property of GET_ENTITY.
      lo_property->set_as_etag( ).
    ENDIF.
  ENDMETHOD.


  METHOD define_navigation.
    DATA lo_association TYPE REF TO /iwbep/if_mgw_odata_assoc.
    DATA lo_constraint TYPE REF TO /iwbep/if_mgw_odata_ref_constr.
    DATA lo_entity_type TYPE REF TO /iwbep/if_mgw_odata_entity_typ.
    DATA lv_association TYPE /iwbep/med_external_name.
    DATA lv_from TYPE /iwbep/med_external_name.
    DATA lv_to TYPE /iwbep/med_external_name.
    DATA lv_name TYPE /iwbep/med_external_name.
    DATA lv_field TYPE fieldname.
    DATA lv_join TYPE /iwbep/med_external_name.

    lv_association = is_navigation-association.
    lv_from = is_navigation-entity_set.
    lv_to = is_navigation-target.
    lv_name = is_navigation-name.
    lv_field = to_upper( is_navigation-name ).
    lv_join = is_navigation-join.
    " One task has many partners (texts); cardinality 1 to 0..n.
    lo_association = model->create_association( iv_association_name = lv_association
                                                iv_left_type        = lv_from
                                                iv_right_type       = lv_to
                                                iv_left_card        = '1'
                                                iv_right_card       = 'M'
                                                iv_def_assoc_set    = abap_false ).
    lo_constraint = lo_association->create_ref_constraint( ).
    lo_constraint->add_property( iv_principal_property = lv_join iv_dependent_property = lv_join ).
    model->create_association_set( iv_association_set_name  = |{ lv_association }_Set|
                                   iv_left_entity_set_name  = lv_from
                                   iv_right_entity_set_name = lv_to
                                   iv_association_name      = lv_association ).
    lo_entity_type = model->get_entity_type( lv_from ).
    lo_entity_type->create_navigation_property( iv_property_name    = lv_name
                                                iv_abap_fieldname   = lv_field
                                                iv_association_name = lv_association ).
  ENDMETHOD.


  METHOD get_last_modified.
    rv_last_modified = super->get_last_modified( ).
    IF rv_last_modified < gc_model_changed_at.
      rv_last_modified = gc_model_changed_at.
    ENDIF.
  ENDMETHOD.

ENDCLASS.
