"! For abaplint only (not part of the abapGit package): SAP Gateway's data provider interface
"! (SAP_GWFND), the methods ZCL_TANDEM_TASK_DPC_EXT redefines, with SAP's parameter names and types.
"! In SAP the standard interface is used.
INTERFACE /iwbep/if_mgw_appl_srv_runtime PUBLIC.
  TYPES:
    BEGIN OF ty_s_mgw_response_context,
      inlinecount  TYPE string,
      do_not_cache TYPE abap_bool,
    END OF ty_s_mgw_response_context,
    BEGIN OF ty_s_mgw_response_entity_cntxt,
      do_not_cache TYPE abap_bool,
    END OF ty_s_mgw_response_entity_cntxt.

  METHODS get_entityset
    IMPORTING
      iv_entity_name           TYPE string
      iv_entity_set_name       TYPE string
      iv_source_name           TYPE string
      it_filter_select_options TYPE /iwbep/t_mgw_select_option
      it_order                 TYPE /iwbep/t_mgw_sorting_order
      is_paging                TYPE /iwbep/s_mgw_paging
      it_navigation_path       TYPE /iwbep/t_mgw_navigation_path
      it_key_tab               TYPE /iwbep/t_mgw_name_value_pair
      iv_filter_string         TYPE string
      iv_search_string         TYPE string
      io_tech_request_context  TYPE REF TO /iwbep/if_mgw_req_entityset OPTIONAL
    EXPORTING
      er_entityset             TYPE REF TO data
      es_response_context      TYPE ty_s_mgw_response_context
    RAISING
      /iwbep/cx_mgw_busi_exception
      /iwbep/cx_mgw_tech_exception.

  METHODS get_entity
    IMPORTING
      iv_entity_name          TYPE string
      iv_entity_set_name      TYPE string
      iv_source_name          TYPE string
      it_key_tab              TYPE /iwbep/t_mgw_name_value_pair
      it_navigation_path      TYPE /iwbep/t_mgw_navigation_path
      io_tech_request_context TYPE REF TO /iwbep/if_mgw_req_entity OPTIONAL
    EXPORTING
      er_entity               TYPE REF TO data
      es_response_context     TYPE ty_s_mgw_response_entity_cntxt
    RAISING
      /iwbep/cx_mgw_busi_exception
      /iwbep/cx_mgw_tech_exception.

  METHODS create_entity
    IMPORTING
      iv_entity_name          TYPE string
      iv_entity_set_name      TYPE string
      iv_source_name          TYPE string
      it_key_tab              TYPE /iwbep/t_mgw_name_value_pair
      it_navigation_path      TYPE /iwbep/t_mgw_navigation_path
      io_tech_request_context TYPE REF TO /iwbep/if_mgw_req_entity_c OPTIONAL
      io_data_provider        TYPE REF TO /iwbep/if_mgw_entry_provider OPTIONAL
    EXPORTING
      er_entity               TYPE REF TO data
    RAISING
      /iwbep/cx_mgw_busi_exception
      /iwbep/cx_mgw_tech_exception.

  METHODS update_entity
    IMPORTING
      iv_entity_name          TYPE string
      iv_entity_set_name      TYPE string
      iv_source_name          TYPE string
      it_key_tab              TYPE /iwbep/t_mgw_name_value_pair
      it_navigation_path      TYPE /iwbep/t_mgw_navigation_path
      io_tech_request_context TYPE REF TO /iwbep/if_mgw_req_entity_u OPTIONAL
      io_data_provider        TYPE REF TO /iwbep/if_mgw_entry_provider OPTIONAL
    EXPORTING
      er_entity               TYPE REF TO data
    RAISING
      /iwbep/cx_mgw_busi_exception
      /iwbep/cx_mgw_tech_exception.

  METHODS delete_entity
    IMPORTING
      iv_entity_name          TYPE string
      iv_entity_set_name      TYPE string
      iv_source_name          TYPE string
      it_key_tab              TYPE /iwbep/t_mgw_name_value_pair
      it_navigation_path      TYPE /iwbep/t_mgw_navigation_path
      io_tech_request_context TYPE REF TO /iwbep/if_mgw_req_entity_d OPTIONAL
    RAISING
      /iwbep/cx_mgw_busi_exception
      /iwbep/cx_mgw_tech_exception.

  METHODS create_deep_entity
    IMPORTING
      iv_entity_name          TYPE string
      iv_entity_set_name      TYPE string
      iv_source_name          TYPE string
      io_data_provider        TYPE REF TO /iwbep/if_mgw_entry_provider
      it_key_tab              TYPE /iwbep/t_mgw_name_value_pair
      it_navigation_path      TYPE /iwbep/t_mgw_navigation_path
      io_expand               TYPE REF TO /iwbep/if_mgw_odata_expand
      io_tech_request_context TYPE REF TO /iwbep/if_mgw_req_entity_c OPTIONAL
    EXPORTING
      er_deep_entity          TYPE REF TO data
    RAISING
      /iwbep/cx_mgw_busi_exception
      /iwbep/cx_mgw_tech_exception.

  METHODS changeset_begin
    IMPORTING
      it_operation_info TYPE /iwbep/t_mgw_operation_info
    CHANGING
      cv_defer_mode     TYPE xsdboolean OPTIONAL
    RAISING
      /iwbep/cx_mgw_busi_exception
      /iwbep/cx_mgw_tech_exception.

  METHODS changeset_end
    RAISING
      /iwbep/cx_mgw_busi_exception
      /iwbep/cx_mgw_tech_exception.
ENDINTERFACE.
